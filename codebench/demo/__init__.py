"""The bundled demo: its files and the project built from them."""
