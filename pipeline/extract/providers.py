"""Canonical provider ids, their aliases, and model-id normalisation.

The alias table is ``domain.md`` §1: names and brands as pages and news write
them. Matching is by substring on a case-folded text, longest alias first, so
``火山方舟`` wins over ``方舟`` and ``Z.ai`` is not mistaken for something else.
"""

from __future__ import annotations

import re
from functools import lru_cache

ALIASES: dict[str, tuple[str, ...]] = {
    "deepseek": ("DeepSeek", "深度求索"),
    "bytedance": ("字节跳动", "ByteDance", "豆包", "Doubao", "火山引擎", "Volcengine", "火山方舟"),
    "alibaba": (
        "阿里巴巴",
        "Alibaba",
        "阿里云",
        "Alibaba Cloud",
        "通义千问",
        "千问",
        "通义",
        "Qwen",
        "百炼",
        "Bailian",
        "DashScope",
        "Model Studio",
        "阿里",
    ),
    "baidu": ("百度", "Baidu", "百度智能云", "文心", "文心一言", "ERNIE", "千帆", "Qianfan"),
    "tencent": ("腾讯", "Tencent", "腾讯云", "混元", "Hunyuan"),
    "zhipu": ("智谱", "智谱AI", "北京智谱华章", "Zhipu", "Z.ai", "zai", "GLM", "智谱清言", "ChatGLM"),
    "moonshot": ("月之暗面", "Moonshot", "Kimi"),
    "baichuan": ("百川智能", "百川", "Baichuan"),
    "01ai": ("零一万物", "01.AI", "01-ai", "Lingyiwanwu", "Yi系列"),
    "minimax": ("MiniMax", "稀宇科技", "海螺AI", "abab"),
    "stepfun": ("阶跃星辰", "StepFun"),
}

#: Model-id prefixes (after normalisation) that identify the maker.
MODEL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("deepseek", "deepseek"),
    ("doubao", "bytedance"),
    ("qwen", "alibaba"),
    ("qwq", "alibaba"),
    ("千问", "alibaba"),
    ("ernie", "baidu"),
    ("hunyuan", "tencent"),
    ("glm", "zhipu"),
    ("chatglm", "zhipu"),
    ("moonshot", "moonshot"),
    ("kimi", "moonshot"),
    ("baichuan", "baichuan"),
    ("yi-", "01ai"),
    ("minimax", "minimax"),
    ("abab", "minimax"),
    ("step-", "stepfun"),
)

#: Vendor slugs used by aggregators (OpenRouter ids, LiteLLM providers).
VENDOR_SLUGS: dict[str, str] = {
    "deepseek": "deepseek",
    "qwen": "alibaba",
    "alibaba": "alibaba",
    "dashscope": "alibaba",
    "01-ai": "01ai",
    "moonshotai": "moonshot",
    "moonshot": "moonshot",
    "minimax": "minimax",
    "z-ai": "zhipu",
    "zai": "zhipu",
    "thudm": "zhipu",
    "baidu": "baidu",
    "tencent": "tencent",
    "bytedance": "bytedance",
    "volcengine": "bytedance",
    "stepfun-ai": "stepfun",
    "baichuan": "baichuan",
}

_ALIAS_INDEX = sorted(
    ((alias.casefold(), pid) for pid, names in ALIASES.items() for alias in names),
    key=lambda pair: -len(pair[0]),
)


def provider_from_text(text: str) -> str | None:
    """The provider a heading or label names, or None."""
    folded = text.casefold()
    for alias, pid in _ALIAS_INDEX:
        if alias.isascii() and len(alias) <= 4:
            # short Latin aliases (GLM, zai, Qwen...) must stand as words
            if re.search(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z])", folded):
                return pid
        elif alias in folded:
            return pid
    return None


def provider_from_model(model: str) -> str | None:
    """The maker of a normalised model id, from its prefix."""
    for prefix, pid in MODEL_PREFIXES:
        if model.startswith(prefix):
            return pid
    return None


_PAREN = re.compile(r"[（(][^）)]*[）)]")
_TRAILING_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]+$")
_ID_LIKE = re.compile(r"[A-Za-z][\w.]*(?:-[\w.]+)+|[A-Za-z]+\d[\w.]*")  # qwen3-max, glm-5.1, baichuan4
_CJK = re.compile(r"[\u3000-\u9fff]")
_MARKUP = re.compile(r"[*`]|\\(?=[$_*])")


@lru_cache(maxsize=8192)  # a page names each model in several rows, and the next fetch again
def normalise_model(name: str) -> str:
    """A model name as a stable lower-case id.

    ``deepseek-chat（基于DeepSeek-V3）`` -> ``deepseek-chat``;
    ``kimi-k2-turbo-preview推荐`` -> ``kimi-k2-turbo-preview``;
    ``ERNIE Speed系列`` -> ``ernie-speed``; ``Kimi K2`` -> ``kimi-k2``.
    """
    text = _MARKUP.sub("", name).strip().splitlines()[0] if name.strip() else ""
    text = _PAREN.sub("", text).strip()
    first, _, rest = text.partition(" ")
    if _ID_LIKE.fullmatch(first) and _CJK.search(rest):
        text = first  # "qwen3-max Batch调用半价 上下文缓存享有折扣": an id, then badges on the same line
    text = _TRAILING_CJK.sub("", text).strip()
    text = re.sub(r"\s+", "-", text)
    return text.strip("-·").lower()
