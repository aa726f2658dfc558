"""The claim's life: submission, status, engine commands, history and its hash chain, timers,
messages, process versions and the words for them."""
