from llmwatch.cli import run

run()
