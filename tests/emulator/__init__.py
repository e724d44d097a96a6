"""Loopback emulator of the Hugging Face Hub, the HF router and the chat providers.

See :mod:`tests.emulator.server` for the why; typical use::

    with Emulator() as emu:
        for name, value in emu.env().items():
            monkeypatch.setenv(name, value)
        emu.fault("groq", "status", status=429, times=1)   # next groq call gets a 429
        ...  # drive the engine with token Emulator.HF_TOKEN or direct_key("groq")
        assert emu.requests_for("groq")[-1].status == 200
"""

from .chat import Quirks
from .faults import FAULT_KINDS, Fault
from .hub import FLUX_DEV, LLAMA_8B, MISTRAL_7B, QWEN_VL
from .record import RecordedRequest
from .server import Emulator
from .state import HF_TOKEN, direct_key

__all__ = [
    "FAULT_KINDS",
    "FLUX_DEV",
    "HF_TOKEN",
    "LLAMA_8B",
    "MISTRAL_7B",
    "QWEN_VL",
    "Emulator",
    "Fault",
    "Quirks",
    "RecordedRequest",
    "direct_key",
]
