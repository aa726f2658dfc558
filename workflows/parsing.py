"""SpiffWorkflow's parser as the fund uses it: BPMN and DMN files of one version into specs."""

from __future__ import annotations

from lxml import etree
from SpiffWorkflow.bpmn.parser.event_parsers import EventBasedGatewayParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import EventBasedGateway
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser

from .process_files import ProcessFiles


class SpecValidationError(Exception):
    """The process files cannot be deployed; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class _EventBasedGatewayParser(EventBasedGatewayParser):
    """SpiffWorkflow reads no extensions on event-based gateways; ours declare a claim status."""

    def parse_extensions(self, node=None):
        return SpiffTaskParser._parse_extensions(self.node if node is None else node)


class FundBpmnParser(SpiffBpmnParser):
    """SpiffWorkflow's parser with extensions read on event-based gateways too."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("eventBasedGateway"): (_EventBasedGatewayParser, EventBasedGateway),
    }


def parse_process(files: ProcessFiles, process_id: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    """The process ``process_id`` and the processes it calls, parsed by SpiffWorkflow from ``files``."""
    parser = FundBpmnParser(validator=VALIDATOR)
    where = "bpmn"  # the file being read, to name it when it does not parse
    try:
        for where, data in files.matching(".dmn").items():
            parser.add_dmn_xml(etree.fromstring(data), filename=where)
        for where, data in files.matching(".bpmn").items():
            parser.add_bpmn_xml(etree.fromstring(data), filename=where)
        where = "bpmn"
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (ValidationException, etree.XMLSyntaxError) as error:
        raise SpecValidationError([f"{getattr(error, 'file_name', '') or where}: {error}"]) from error
    except Exception as error:  # SpiffWorkflow's parser fails in its own ways on odd input
        raise SpecValidationError([f"{where}: cannot be parsed ({type(error).__name__}: {error})"]) from error
    return spec, subprocess_specs
