#!/usr/bin/env bash
# The offline demo: real snapshots of two dates per source, ingested in date
# order as if crawled then; then the price table and the changes between them.
set -euo pipefail
cd "$(dirname "$0")/.."
export LLMWATCH_DATA_DIR="$PWD/.demo"
rm -rf "$LLMWATCH_DATA_DIR"
F=tests/fixtures

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ingest() { llmwatch ingest "$F/$1" --source "$2" --fetched-at "$3" >/dev/null 2>"$LLMWATCH_DATA_DIR/last.log" \
  && printf '  %-44s %-11s %s  %s\n' "$1" "$2" "$3" "$(cat "$LLMWATCH_DATA_DIR/last.log")"; }
mkdir -p "$LLMWATCH_DATA_DIR"

step "Ingesting archived real pages (each as if crawled on its capture date)"
ingest fx/2026-10-30_eurofxref-hist.zip           fx          2026-10-30T16:00:00Z
ingest openrouter/2024-05-15_models.json          openrouter  2024-05-15T04:09:05Z
ingest syaoranwe/2024-05-23_README.md             syaoranwe   2024-05-23T10:33:46Z
ingest llmprice_cn/2024-05-25_README.md           llmprice_cn 2024-05-25T01:15:21Z
ingest syaoranwe/2024-06-05_README.md             syaoranwe   2024-06-05T11:47:38Z
ingest openrouter/2024-08-01_models.json          openrouter  2024-08-01T07:29:48Z
ingest litellm/2025-02-06_model-prices.json       litellm     2025-02-06T02:56:03Z
ingest coze/2025_billing-rules_doubao-deepseek.md coze        2025-03-01T00:00:00Z
ingest deepseek/2025-12-20_en_crawler-markdown.md deepseek    2025-12-20T14:04:07Z
ingest deepseek/2025-12-20_zh_crawler-markdown.md deepseek    2025-12-20T14:04:07Z
ingest moonshot/2025-12-20_zh_crawler-markdown.md moonshot    2025-12-20T14:04:07Z
ingest minimax/2025-12-20_en_crawler-markdown.md  minimax     2025-12-20T14:04:07Z
ingest minimax/2025-12-20_zh_crawler-markdown.md  minimax     2025-12-20T14:04:07Z
ingest litellm/2026-01-13_model-prices.json       litellm     2026-01-13T22:08:35Z
ingest llmprice_cn/2026-01-29_index.html          llmprice_cn 2026-01-28T22:40:52Z
ingest deepseek/2026-08-01_zh_clipping_v4.md      deepseek    2026-08-01T00:00:00Z

step "Ingesting the same page again changes nothing"
ingest syaoranwe/2024-06-05_README.md             syaoranwe   2024-06-05T11:47:38Z

step "DeepSeek: current official prices (both pages)"
llmwatch prices --source deepseek

step "The article's price-war models, as the community table had them on 2024-06-05"
llmwatch prices --source syaoranwe --model doubao-pro-32k
llmwatch prices --source syaoranwe --model qwen-long
llmwatch prices --source syaoranwe --model ernie-
llmwatch prices --source syaoranwe --model deepseek-chat

step "Price changes detected between snapshots"
llmwatch events --type price_changed

step "Models added on DeepSeek's page (the newest changes)"
llmwatch events --type model_added --source deepseek --limit 6

step "Funding news: real coverage of six rounds, de-duplicated across outlets"
for feed in "$F"/news/*.xml "$F"/news/2024-07-25_tech-headlines.txt; do
  printf '  %-52s ' "news/$(basename "$feed")"
  name=$(basename "$feed"); llmwatch ingest "$feed" --source news --fetched-at "${name:0:10}T12:00:00Z" --format json 2>&1 >/dev/null | tail -1
done
llmwatch funding

step "Sources"
llmwatch sources

step "A browsable report and a chart"
llmwatch report --out "$LLMWATCH_DATA_DIR/report"
llmwatch plot deepseek-chat qwen-long doubao-pro-32k moonshot-v1-8k --out "$LLMWATCH_DATA_DIR/price-war.png"

step "The article's claims (2024-07-06), checked against the data: then and now"
llmwatch claims

step "Your turn: the demo database is $LLMWATCH_DATA_DIR"
cat <<HELP
  export LLMWATCH_DATA_DIR=$LLMWATCH_DATA_DIR    # without it, llmwatch uses ~/.local/share/llmwatch
  $PWD/.venv/bin/llmwatch prices --provider deepseek
  $PWD/.venv/bin/llmwatch events --type price_changed --format csv
  make install    # puts llmwatch on PATH (a link in ~/.local/bin)
HELP
