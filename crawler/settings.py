"""Scrapy settings: polite defaults. llmwatch's own settings (``LLMWATCH_*``)
are filled in by ``crawler.run`` from the configuration."""

BOT_NAME = "llmwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ROBOTSTXT_OBEY = True
USER_AGENT = "llmwatch/0.1 (+https://github.com/llmwatch/llmwatch; price tracker)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 30
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
HTTPCACHE_ENABLED = False
# the web only: a feed linking to file:///etc/passwd must not read the machine's files
DOWNLOAD_HANDLERS = {"file": None, "s3": None, "ftp": None, "data": None}
TELNETCONSOLE_ENABLED = False
# Scrapy starts this many tasks per response to process what its callback yields; a pricing page
# yields one item, and the pipeline is synchronous (the default, 100, cost 0.5 ms a response)
CONCURRENT_ITEMS = 1
# a check for authors of callbacks: it reads and parses the spider's source on first use
WARN_ON_GENERATOR_RETURN_VALUE = False
LOG_LEVEL = "WARNING"
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    # replay answers before anything else; the archive sees decoded bodies
    "crawler.middlewares.ReplayMiddleware": 10,
    # after a replay (which fetches nothing), before anything is sent: no internal addresses
    "crawler.addresses.InternalAddressMiddleware": 20,
    "crawler.middlewares.ArchiveMiddleware": 50,
    # before RetryMiddleware (550) sees the response: a 429's Retry-After slows the domain first
    "crawler.middlewares.RetryAfterMiddleware": 560,
    # not used here (no HTTP auth, no byte counts read): each costs every request a call
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
}
# sources are lists of pages and feeds one link deep: no depth limit to enforce
SPIDER_MIDDLEWARES = {"scrapy.spidermiddlewares.depth.DepthMiddleware": None}
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
