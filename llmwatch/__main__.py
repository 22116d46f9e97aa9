from llmwatch.cli.main import run

run()
