"""What a price depends on, as short normalised conditions, written once.

- tiers of a request's length: ``context<=32K``, ``32K<context<=128K``,
  ``context<=32K, output<=200`` (from ``0<Token≤32K``, ``输入长度 [0, 32)``,
  ``输入长度 [0, 32] 且输出长度 (0.2,+∞)``, ``[32+)``);
- the region a price is sold in (``region=intl``): the mainland-China price
  is the default and carries no region, so another region never overwrites it;
- batch (offline) inference (``batch``) and inference of fine-tuned models
  (``fine-tuned``), from the section a table sits in;
- thinking or non-thinking output, from a 模式 / mode cell.

Conditions are joined with ", " in this order: tier, mode, batch, region.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.extract.units import clean

_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*([kKmM])?"
_NO_TIER = re.compile(r"^(-|—|/|无|无阶梯计价|不分档|不区分|全部|all)$", re.I)


@lru_cache(maxsize=4096)  # a table repeats its tier cells down the rows
def normalise_condition(text: str) -> str | None:
    """Context tiers as ``context<=32K`` or ``32K<context<=128K``; a second bound on
    the output (``且输出长度 (0.2,+∞)``) adds ``, output>200``; other text compacted."""
    cleaned = clean(text.replace("\n", " 且 "))
    if not cleaned or _NO_TIER.match(cleaned):
        return None
    # "输入长度 [0, 32) 输出长度 [0, 0.2)": a second bound on the output, even without 且
    second = r"(?=(?:输出|output)\S*\s*[\[(（<≤\d])"
    parts = [p for p in re.split(rf"\s*(?:且|并且|\band\b|&)\s*|\s+{second}|(?<=[\])）]){second}", cleaned) if p]
    tiers = [_tier(p, "output" if re.search(r"输出|output", p, re.I) else "context") for p in parts]
    if all(tiers):
        return ", ".join(t for t in tiers if t)
    return re.sub(r"\s+", " ", cleaned).lower()


@lru_cache(maxsize=4096)
def looks_like_tier(text: str) -> bool:
    """A cell that states a length tier (``输入长度 [0, 32)``, ``0<Token≤32K``), not a context size."""
    cleaned = clean(text)
    # a comparison next to a number or "Token" (not a Markdown quote's "> 又称…")
    compare = r"\d\s*[KkMm]?\s*[≤<]|[≤<>≥]\s*\d|token\s*[≤<]|[≤<]\s*token"
    return bool(re.search(r"\d", cleaned)) and bool(
        re.search(rf"{compare}|[\[(]\s*\d|\d\s*\+\s*[)\]]|∞|长度|以上|以下|above|up to", cleaned, re.I)
    )


def _tier(text: str, subject: str) -> str | None:
    nums = [(_tokens(n, s)) for n, s in re.findall(_NUM, text)]
    ranged = re.search(r"\d\s*[kKmM]?\s*[-~～]\s*\d", text)
    if not nums or not (ranged or re.search(r"token|长度|上下文|context|输入|输出|[≤<>(\[\]]", text, re.I)):
        return None
    if re.search(r"∞|inf|\d\s*[kKmM]?\s*\+", text, re.I):  # (0.2,+∞) and [32+): only the lower bound
        return f"{subject}>{_k(nums[0])}"
    if len(nums) >= 2:
        lo, hi = nums[0], nums[1]
        return f"{subject}<={_k(hi)}" if lo == 0 else f"{_k(lo)}<{subject}<={_k(hi)}"
    if re.search(r"[>]|以上|above|over", text) and not re.search(r"[≤<]", text):
        return f"{subject}>{_k(nums[0])}"
    return f"{subject}<={_k(nums[0])}"


def _tokens(number: str, suffix: str) -> int:
    value = float(number.replace(",", ""))  # 0.2 (thousand tokens) is 200
    factor = {"k": 1000, "m": 1_000_000}.get(suffix.lower(), 1) if suffix else 1
    if factor == 1 and value < 10_000 and "," not in number:
        factor = 1000  # "(128, 256]" on tier tables means thousands of tokens
    return int(value * factor)


def context_tier(low: int, high: int | None) -> str | None:
    """The condition of a context tier given as exact token counts (a registry's numbers,
    which the text reader's "a bare 8000 means thousands" must not see): (0, 32000) ->
    ``context<=32K``, (32000, 128000) -> ``32K<context<=128K``, (128000, None) ->
    ``context>128K``; (0, None), no bound at all, is no condition."""
    if high is None:
        return f"context>{_k(low)}" if low else None
    return f"context<={_k(high)}" if low == 0 else f"{_k(low)}<context<={_k(high)}"


_BOUNDS = re.compile(r"(?:(\d+)([KM])<)?context(?:<=(\d+)([KM])|>(\d+)([KM]))?")
_SCALE = {"K": 1000, "M": 1_000_000}


def tier_bounds(condition: str | None) -> tuple[int, int | None] | None:
    """``context_tier`` read back: ``32K<context<=128K`` -> (32000, 128000), no condition ->
    (0, None); None for a condition that is not a context tier (peak hours, an output bound)."""
    if not condition:
        return (0, None)
    m = _BOUNDS.fullmatch(condition)
    if not m or not (m.group(1) or m.group(3) or m.group(5)):
        return None
    if m.group(5):
        return int(m.group(5)) * _SCALE[m.group(6)], None
    low = int(m.group(1)) * _SCALE[m.group(2)] if m.group(1) else 0
    return low, int(m.group(3)) * _SCALE[m.group(4)] if m.group(3) else None


def _k(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    # decimal thousands first: 256000 is "256K" (not 250 x 1024); 32768 is 32K
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}K"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024}K"
    return str(n)


# --- regions -----------------------------------------------------------------

#: the default region: its prices carry no region condition
_MAINLAND = re.compile(
    r"^(中国内地|中国大陆|中国站|国内|华北\s*2.*|北京|mainland china|china \(mainland\)|cn-beijing)$", re.I
)
_REGIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("global", re.compile(r"^(全球|global)$", re.I)),
    ("intl", re.compile(r"^(国际|国际站|international|intl)$", re.I)),
    ("us", re.compile(r"^(美国|美国\s*[(（]弗吉尼亚[)）]|us|united states)$", re.I)),
    ("finance", re.compile(r"^(金融云|finance cloud)$", re.I)),
    ("singapore", re.compile(r"^(新加坡|singapore)$", re.I)),
    ("hongkong", re.compile(r"^(中国香港|香港|hong kong)$", re.I)),
    ("eu", re.compile(r"^(欧洲|欧盟|德国|法兰克福|europe|eu)$", re.I)),
    ("japan", re.compile(r"^(日本|东京|japan)$", re.I)),
)
_REGION_SUFFIX = re.compile(r"(部署(范围|模式)?|地域|region|站|版)$", re.I)


def region_of(label: str) -> str | None:
    """``intl`` for a tab or heading named 国际 (or 国际部署); ``""`` for the mainland-China
    default; None when the label names no region."""
    text = _REGION_SUFFIX.sub("", clean(label)).strip()
    if not text or len(text) > 24:
        return None
    if _MAINLAND.match(text):
        return ""
    return next((name for name, pattern in _REGIONS if pattern.match(text)), None)


# --- the section a table sits in ---------------------------------------------

_BATCH = re.compile(r"批量推理|批量调用|离线推理|batch\s*(api|inference|调用|推理)?", re.I)
_FINE_TUNED = re.compile(r"精调后|微调后|fine-?tuned", re.I)
#: sections that price something other than tokens: throughput packages, subscriptions, training
_NOT_TOKEN_PRICES = re.compile(
    r"tpm|rpm|保障包|资源包|coding\s*plan|token\s*plan|套餐|订阅|subscription|精调训练|模型训练|训练价格|模型单元|算力",
    re.I,
)


def section_conditions(labels: list[str], headings: list[str]) -> list[str] | None:
    """The conditions a table's tabs and headings put on all its prices, or None for a
    section whose prices are not token prices (TPM packages, Coding Plan, training)."""
    parts: list[str] = []
    region = None
    for text in [*headings, *labels]:
        if _NOT_TOKEN_PRICES.search(text):
            return None
        found = region_of(text)
        if found is not None:
            region = found  # the innermost tab or heading wins
    if any(_FINE_TUNED.search(h) for h in headings):
        parts.append("fine-tuned")
    if any(_BATCH.search(h) for h in [*headings, *labels]):
        parts.append("batch")
    if region:
        parts.append(f"region={region}")
    return parts


def join(*parts: str | None) -> str | None:
    """Conditions in one text, without repeats."""
    if not any(parts):  # the common price: no condition at all
        return None
    seen: list[str] = []
    for part in parts:
        for piece in (part or "").split(", "):
            if piece and piece not in seen:
                seen.append(piece)
    return ", ".join(seen) or None


# --- thinking modes and badges -------------------------------------------------


def modes(text: str) -> tuple[str, ...]:
    """Which output components a 模式 cell's row prices: ``仅非思考模式`` -> output;
    ``思考模式`` -> output_thinking; ``非思考和思考模式`` -> both."""
    cleaned = clean(text).lower()
    both = re.search(r"非思考.*(和|与|及|/|、).*思考|思考.*(和|与|及|/|、).*非思考|both|thinking and non", cleaned)
    if both:
        return ("output", "output_thinking")
    if re.search(r"非思考|non-?thinking", cleaned):
        return ("output",)
    if re.search(r"思考|thinking|reasoning", cleaned):
        return ("output_thinking",)
    return ("output",)


_HALF_BATCH = re.compile(r"batch\s*(调用)?\s*半价|batch\s*半价|半价\s*batch|batch[^\n]{0,8}50\s*%", re.I)


def batch_half_price(model_cell: str) -> bool:
    """A model cell's badge that says its Batch calls cost half (``Batch调用 半价``)."""
    return ("atch" in model_cell or "ATCH" in model_cell) and bool(_HALF_BATCH.search(clean(model_cell)))
