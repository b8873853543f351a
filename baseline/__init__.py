"""The baseline: the video pipeline as conventional AWS Lambda functions with explicit state.

Four handlers, one module each (``validate``, ``chunk``, ``encode``, ``assemble``), keep every job's state
in one DynamoDB table (a job item and one item per chunk) and its media in one S3 bucket, and hand work
to each other with Lambda asynchronous invokes. A fifth, ``dead_letter``, receives the events Lambda gave
up on and fails their jobs. ``baseline.local`` runs them in process on moto.
"""
