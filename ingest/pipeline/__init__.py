"""Call events in, analysed and stored transcript segments out."""

from ingest.pipeline.router import CallPipeline
from ingest.pipeline.services import PipelineServices, SegmentTiming

__all__ = ["CallPipeline", "PipelineServices", "SegmentTiming"]
