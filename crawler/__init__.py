"""Scrapy project: spiders (one module per source), middlewares, pipelines."""
