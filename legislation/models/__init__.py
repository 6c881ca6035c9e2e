"""The app's models, one module per idea; import them from here."""

from .cells import Assessment, AssessmentQuerySet, CellValues, ReviewedHistory
from .editorial import ChangeBatch, ChangeProposal, ChangeProposalQuerySet, ImportUpload
from .evidence import EvidenceProposal, EvidenceProposalQuerySet
from .published import PublishedRating, PublishedRatingQuerySet
from .records import (
    LegalInstrument,
    Provision,
    ReviewedEvidenceHistory,
    Source,
    TreatyParticipation,
    TreatyReservation,
    citation_of_provision,
    citation_of_source,
)
from .reference import (
    GLOBAL_NORTH,
    GLOBAL_SOUTH,
    Country,
    CountryGroup,
    CountryQuerySet,
    Criterion,
    CriterionQuerySet,
    Framework,
    PublishedFigure,
)
from .releases import Release, ReleaseFile
from .values import stored_values
from .versions import CellsVersion, DataVersion

__all__ = [
    "GLOBAL_NORTH",
    "GLOBAL_SOUTH",
    "Assessment",
    "AssessmentQuerySet",
    "CellValues",
    "CellsVersion",
    "ChangeBatch",
    "ChangeProposal",
    "ChangeProposalQuerySet",
    "Country",
    "CountryGroup",
    "CountryQuerySet",
    "Criterion",
    "CriterionQuerySet",
    "DataVersion",
    "EvidenceProposal",
    "EvidenceProposalQuerySet",
    "Framework",
    "ImportUpload",
    "LegalInstrument",
    "Provision",
    "PublishedFigure",
    "PublishedRating",
    "PublishedRatingQuerySet",
    "Release",
    "ReleaseFile",
    "ReviewedEvidenceHistory",
    "ReviewedHistory",
    "Source",
    "TreatyParticipation",
    "TreatyReservation",
    "citation_of_provision",
    "citation_of_source",
    "stored_values",
]
