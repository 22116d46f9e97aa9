"""The generic price-table parser on hand-made edge cases (named as such):
header meaning not position, spans, short Markdown rows, transposed tables."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.extract.collect import Collector
from pipeline.extract.document import find_tables
from pipeline.extract.pricetable import TableDefaults, header_role, normalise_condition, parse_tables

ZHIPU = TableDefaults("zhipu", "CNY", 1_000_000)


def rows_of(text: str, defaults: TableDefaults = ZHIPU) -> list[tuple]:
    out = Collector(date(2025, 1, 1))
    parse_tables(find_tables(text), defaults, out)
    return [(r.model, r.component, r.condition, str(r.amount_per_mtok)) for r in out.result().rows]


HAND_MADE_SHUFFLED = """
| 备注 | 输出价格（元/百万tokens） | 模型名称 | 输入价格（元/百万tokens） |
| --- | --- | --- | --- |
| 新 | 8 | GLM-4-Plus | 5 |
"""


def test_columns_are_found_by_meaning_not_position() -> None:
    assert rows_of(HAND_MADE_SHUFFLED) == [("glm-4-plus", "input", None, "5"), ("glm-4-plus", "output", None, "8")]


HAND_MADE_HTML_SPANS = """<html><body><h2>价格</h2><table>
<tr><th>模型</th><th>上下文</th><th>输入</th><th>输出</th></tr>
<tr><td rowspan="2">glm-4-long</td><td>0&lt;Token≤32K</td><td>1元</td><td rowspan="2">2元</td></tr>
<tr><td>32K&lt;Token≤128K</td><td>1.5元</td></tr>
<tr><td colspan="2">glm-4-flash</td><td colspan="2">免费</td></tr>
</table></body></html>"""


def test_html_rowspan_colspan_and_context_tiers() -> None:
    # "上下文" holding a range is the price's tier: Zhipu's real page (tests/fixtures/zhipu/2026-04-21_*)
    # writes 输入长度 [0, 32) under 上下文(千tokens). (Until 2026-12 this test said such a cell was
    # context and kept out, from a page built before any real one was seen.) The rowspan 输出 covers both.
    rows = rows_of(HAND_MADE_HTML_SPANS)
    assert ("glm-4-long", "input", "context<=32K", "1") in rows
    assert ("glm-4-long", "input", "32K<context<=128K", "1.5") in rows
    assert ("glm-4-long", "output", "context<=32K", "2") in rows and (
        "glm-4-long",
        "output",
        "32K<context<=128K",
        "2",
    ) in rows
    assert ("glm-4-flash", "input", None, "0") in rows and ("glm-4-flash", "output", None, "0") in rows


HAND_MADE_TIERS = """
| 模型 | 输入长度范围 | 输入 | 输出 |
| --- | --- | --- | --- |
| qwen-plus | 0<Token≤128K | 0.8元 | 2元 |
| 128K<Token≤256K | 2.4元 | 20元 |
"""


def test_markdown_row_that_lost_its_rowspan_cell_keeps_the_model() -> None:
    rows = rows_of(HAND_MADE_TIERS, TableDefaults("alibaba", "CNY", 1_000_000))
    assert ("qwen-plus", "input", "context<=128K", "0.8") in rows
    assert ("qwen-plus", "output", "128K<context<=256K", "20") in rows


HAND_MADE_TRANSPOSED = """
| 模型 | deepseek-chat | deepseek-reasoner |
| --- | --- | --- |
| 百万tokens输入 | 2元 | 4元 |
| 百万tokens输出 | 8元 | 16元 |
| 上下文长度 | 64K | 64K |
"""


def test_transposed_table_models_across_the_header() -> None:
    assert rows_of(HAND_MADE_TRANSPOSED, TableDefaults("deepseek", "CNY", 1_000_000)) == [
        ("deepseek-chat", "input", None, "2"),
        ("deepseek-chat", "output", None, "8"),
        ("deepseek-reasoner", "input", None, "4"),
        ("deepseek-reasoner", "output", None, "16"),
    ]


def test_a_cell_that_does_not_parse_is_a_reject_not_a_row() -> None:
    text = "| 模型 | 输入 | 输出 |\n| --- | --- | --- |\n| glm-4 | 五元 | 5元 |\n"
    out = Collector(date(2025, 1, 1))
    parse_tables(find_tables(text), TableDefaults("zhipu", "CNY", 1_000_000), out)
    result = out.result()
    assert [(r.model, r.component) for r in result.rows] == [("glm-4", "output")]
    assert [r.raw for r in result.rejects] == ["五元"] and "glm-4 input" in result.rejects[0].reason


def test_tables_without_prices_are_not_price_tables() -> None:
    text = "| 模型 | RPM | TPM |\n| --- | --- | --- |\n| glm-4 | 20 | 1,000,000 |\n"
    out = Collector(date(2025, 1, 1))
    assert parse_tables(find_tables(text), TableDefaults("zhipu", "CNY", 1_000_000), out) == 0


def test_header_roles() -> None:
    assert header_role("输入价格 （缓存命中）") == "input_cache_hit"
    assert header_role("Prompt caching Write") == "input_cache_write"
    assert header_role("模型上下文长度") == "context"
    assert header_role("资源点（/千tokens）") == "ignore"
    assert header_role("思考模式输出") == "output_thinking"


def test_condition_normalisation() -> None:
    assert normalise_condition("≤ 8,192 tokens") == "context<=8K"
    assert normalise_condition("8,192 < 长度 ≤ 32,768 tokens") == "8K<context<=32K"
    assert normalise_condition("0<Token≤32K") == "context<=32K"
    assert normalise_condition("输入长度 (128, 256]") == "128K<context<=256K"


# HAND-MADE, in the forms the official pages write: a vendor's Markdown export with escapes, a single
# 单价 with the Batch price in brackets, and sections that price no tokens
HAND_MADE_ESCAPED = r"""
| 模型名称 | 输入（元/百万tokens） | 缓存命中（元/百万tokens） | 输出（元/百万tokens） |
| --- | --- | --- | --- |
| doubao\-seed\-2.0\-pro | 3.2 | \- | 16 |
"""

HAND_MADE_BRACKETS = """
| 模型 | 单价（元/百万Tokens，括号内为 Batch API 价格） |
| --- | --- |
| GLM-4-Plus | 5 (2.5) |
| GLM-4-Flash | 免费 |
"""

HAND_MADE_NOT_TOKENS = """
## TPM 保障包

| 模型 | 输入 | 输出 |
| --- | --- | --- |
| doubao-seed-1.6 | 1.920 元/每10K TPM | 0.480 元/每1K TPM |

## Coding Plan 套餐

| 模型 | 价格 |
| --- | --- |
| doubao-seed-code | 40元/月 |
"""


def test_markdown_escapes_are_undone_and_a_dash_cell_is_empty() -> None:
    assert rows_of(HAND_MADE_ESCAPED, TableDefaults("bytedance", "CNY", 1_000_000)) == [
        ("doubao-seed-2.0-pro", "input", None, "3.2"),
        ("doubao-seed-2.0-pro", "output", None, "16"),
    ]


def test_one_price_for_both_directions_with_its_batch_price_in_brackets() -> None:
    assert set(rows_of(HAND_MADE_BRACKETS)) == {
        ("glm-4-flash", "input", None, "0"),
        ("glm-4-flash", "output", None, "0"),
        ("glm-4-plus", "input", None, "5"),
        ("glm-4-plus", "input", "batch", "2.5"),
        ("glm-4-plus", "output", None, "5"),
        ("glm-4-plus", "output", "batch", "2.5"),
    }


def test_throughput_packages_and_subscriptions_are_not_token_prices() -> None:
    out = Collector(date(2025, 1, 1))
    assert parse_tables(find_tables(HAND_MADE_NOT_TOKENS), TableDefaults("bytedance", "CNY", 1_000_000), out) == 0
    assert out.result().rows == [] and out.rejects == []


@pytest.mark.parametrize(
    ("low", "high", "condition"),
    [
        (0, 32000, "context<=32K"),
        (8000, 32000, "8K<context<=32K"),  # a bare 8000 in text means 8000 thousand; as a number it is 8K
        (32000, 128000, "32K<context<=128K"),
        (256000, 1_000_000, "256K<context<=1M"),
        (128000, None, "context>128K"),
        (0, None, None),
    ],
)
def test_a_context_tier_from_exact_tokens_and_back(low: int, high: int | None, condition: str | None) -> None:
    from pipeline.extract.conditions import context_tier, normalise_condition, tier_bounds

    assert context_tier(low, high) == condition
    assert tier_bounds(condition) == (low, high)
    if condition:  # the same condition the text reader gives for the same tier written out
        assert normalise_condition(condition) == condition
    assert tier_bounds("peak hours") is None and tier_bounds("context<=32K, output>200") is None
