class InfraError(Exception):
    """A service could not be brought up; the message says what to install or set."""
