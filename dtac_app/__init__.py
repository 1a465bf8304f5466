"""DTAC Workbench: assess digital health technologies for NHS use."""

__version__ = "0.1.0"
