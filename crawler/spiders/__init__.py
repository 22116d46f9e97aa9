"""One module per source; the module, ``Spider.name``, fixture folder and
``sources`` row share one slug."""
