"""Commands beyond linting, one module per family, imported only when chosen (or to build the parser)."""
