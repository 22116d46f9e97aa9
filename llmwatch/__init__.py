"""llmwatch: tracks China's large-model market (API prices, funding) from the web."""

__version__ = "0.1.0"
