"""The video pipeline on AWS Lambda durable functions: a durable orchestrator and a durable per-chunk encoder.

Deployable: ``orchestrator`` (validate, chunk, map of encoder invokes, assemble), ``encoder``, ``storage``
(S3 I/O), ``config``, ``exceptions`` and ``template.yaml``. The local harness is ``durable_ref.local``.
"""
