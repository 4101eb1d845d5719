"""Run the container out of memory: at import, allocate and touch 16 MB blocks
until allocation fails, and keep every block, so whichever process the kernel
picks, the run has no memory left.

Base: starter."""

_HOARD = []
try:
    while True:
        _HOARD.append(bytearray(16 << 20))
except MemoryError:
    pass
