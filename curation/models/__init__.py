from .agreement import Adjudication, AgreementReport, ConsensusLabel  # noqa: F401
from .comparison import Comparison, ComparisonOrder, SampleResponse  # noqa: F401
from .criteria import (  # noqa: F401
    CriterionGrade,
    CriterionValidation,
    ModelGrader,
    ModelGraderToken,
    SampleCriterion,
    SampleCriterionEdit,
)
from .labelstudio import LabelStudioLink, LabelStudioTask  # noqa: F401
from .project import Project
from .review import Assignment, Review, ReviewDraft, ReviewRevision
from .rubric import Criterion, Rubric
from .sample import Sample

__all__ = [
    "Assignment",
    "Criterion",
    "Project",
    "Review",
    "ReviewDraft",
    "ReviewRevision",
    "Rubric",
    "Sample",
]
