"""callmon ingest worker: telephony audio in, analysed transcript segments out."""
