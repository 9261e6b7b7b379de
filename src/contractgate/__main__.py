from contractgate.cli import entry

entry()
