"""``tg.cuda``: present so that course code choosing a device runs; there is no GPU here."""


def is_available() -> bool:
    """Always False: tinygrad_edu computes on the CPU."""
    return False


def device_count() -> int:
    """Always 0."""
    return 0
