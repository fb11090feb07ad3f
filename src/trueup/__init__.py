"""trueup: a GitOps engine. Git holds the desired state; trueup makes the running system agree."""

__version__ = "0.1.0"
