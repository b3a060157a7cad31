"""Tribune: news stories and the reader discussion beneath them."""

__version__ = "0.1.0"
