"""REFI-QDA glue between the format library (``exchange.refi``) and a project: ``.qdpx`` projects and ``.qdc`` codebooks."""
