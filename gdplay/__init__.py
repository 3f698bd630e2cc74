"""gdplay: a desktop playground for gradient-descent optimizers."""

__version__ = "0.1.0"
