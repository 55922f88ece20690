from modeltranslation.translator import TranslationOptions, register

from palermo.reference.models import Article, Cluster, Instrument, RegionalGroup, State, Topic


# Historical models are registered too: without it simple-history cannot create a history
# row for a translated model (see shared/research/stack.md, section 2.9).
@register([Instrument, Instrument.history.model])
class InstrumentTranslation(TranslationOptions):
    fields = ("title",)


@register([Cluster, Cluster.history.model])
class ClusterTranslation(TranslationOptions):
    fields = ("name",)


@register([Article, Article.history.model])
class ArticleTranslation(TranslationOptions):
    fields = ("title",)


@register([RegionalGroup, RegionalGroup.history.model])
class RegionalGroupTranslation(TranslationOptions):
    fields = ("name",)


@register([State, State.history.model])
class StateTranslation(TranslationOptions):
    fields = ("name",)


@register([Topic, Topic.history.model])
class TopicTranslation(TranslationOptions):
    fields = ("name",)
