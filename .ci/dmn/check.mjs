// CI: every DMN file given must load in bpmn.io's DMN model (dmn-moddle, what dmn-js reads files
// with) with no error and no warning, so the fund's lawyers and analysts can open it in dmn-js.
import { DmnModdle } from 'dmn-moddle';
import fs from 'fs';

const moddle = new DmnModdle();
let failed = false;
for (const path of process.argv.slice(2)) {
  try {
    const { rootElement, warnings } = await moddle.fromXML(fs.readFileSync(path, 'utf8'), 'dmn:Definitions');
    for (const warning of warnings) console.log(`${path}: ${warning.message}`);
    failed ||= warnings.length > 0 || !rootElement.expressionLanguage;
    if (!rootElement.expressionLanguage) console.log(`${path}: no expressionLanguage declared`);
    console.log(`${path}: ${warnings.length ? 'WARNINGS' : 'loads'} (expressionLanguage ${rootElement.expressionLanguage})`);
  } catch (error) {
    console.log(`${path}: ERROR ${error.message}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
