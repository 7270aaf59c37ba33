# Import the real `shared` package before pytest's importlib mode can take the repository's
# `shared/` folder for a namespace package of the same name (pytest issue 13257).
import shared  # noqa: F401

pytest_plugins = ["devstack.testing"]
