"""The models of programmes, defined in their capability packages and gathered here, where Django
and the migrations look for them (app label `programmes`). Other apps import models from here;
modules inside `programmes` import from the capability's own `models` module."""

from programmes.calendar.models import (
    CalendarFeed,
    _feed_token,
)
from programmes.pages.models import (
    HYPHENATED_RE,
    TIME_ZONES,
    ActivityKind,
    ActivityPage,
    Audience,
    CompoundWordsMixin,
    ModulePage,
    ModulePrerequisite,
    ProgrammeIndexPage,
    ProgrammePage,
)
from programmes.progress.models import (
    ModuleProgress,
    QuizAttempt,
    StepProgress,
)
from programmes.surveys.models import (
    SCALE_TYPES,
    SURVEY_FIELD_CHOICES,
    TEXT_TYPES,
    AnonymousBreakdown,
    AnonymousSurveyResponse,
    LessonsLearnedPage,
    SurveyAnswer,
    SurveyField,
    SurveyPage,
    SurveyResponse,
)

__all__ = [
    "HYPHENATED_RE",
    "CompoundWordsMixin",
    "Audience",
    "ProgrammeIndexPage",
    "ProgrammePage",
    "ModulePage",
    "ModulePrerequisite",
    "ActivityKind",
    "TIME_ZONES",
    "ActivityPage",
    "ModuleProgress",
    "StepProgress",
    "QuizAttempt",
    "CalendarFeed",
    "_feed_token",
    "SURVEY_FIELD_CHOICES",
    "TEXT_TYPES",
    "SCALE_TYPES",
    "AnonymousBreakdown",
    "SurveyPage",
    "SurveyField",
    "SurveyResponse",
    "AnonymousSurveyResponse",
    "SurveyAnswer",
    "LessonsLearnedPage",
]
