"""留痕 liuhen: whole-process recording of administrative law enforcement."""

__version__ = "0.1.0"
