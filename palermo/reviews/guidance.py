""" "What you can do now": short, stage-driven advice for civil society on a State's page."""

from django.utils.translation import gettext_lazy as _

from palermo.reviews.enums import Progress

GUIDANCE = {
    Progress.GROUP_UNKNOWN: [
        _(
            "The review group of this State has not been published. Ask the Ministry of "
            "Foreign Affairs or the Permanent Mission in Vienna when the State is reviewed."
        ),
        _(
            "Tell the network secretariat if you learn the group or the review dates, with a "
            "source, so everyone can see them."
        ),
    ],
    Progress.NOT_STARTED: [
        _(
            "Map the articles of the cluster under review and gather evidence on how they are "
            "applied in practice."
        ),
        _(
            "Write to the government to ask who will be the focal point and whether civil "
            "society will be consulted."
        ),
    ],
    Progress.STARTED: [
        _(
            "Ask the government who its focal point for this review is: it should have been "
            "appointed within two weeks of the start."
        ),
        _(
            "Offer your evidence for the self-assessment questionnaire: States are encouraged "
            "to consult civil society when they answer it."
        ),
    ],
    Progress.FOCAL_POINT: [
        _("Contact the focal point to offer input for the self-assessment questionnaire."),
        _(
            "Prepare a short submission on the articles under review, with evidence from "
            "practice, not only the law."
        ),
    ],
    Progress.EXPERTS: [
        _(
            "The self-assessment is being prepared: this is the best moment to send your "
            "evidence and recommendations to the focal point."
        ),
    ],
    Progress.SELF_ASSESSMENT: [
        _("Ask the government to publish its self-assessment responses."),
        _(
            "Send your analysis to the reviewing States' focal points while they prepare "
            "their written feedback."
        ),
    ],
    Progress.FEEDBACK: [
        _(
            "The reviewing States are in dialogue with the State under review: share focused "
            "recommendations on the gaps you see."
        ),
    ],
    Progress.OBSERVATIONS: [
        _(
            "Prepare to follow up on the list of observations: which gaps and technical "
            "assistance needs match your evidence?"
        ),
    ],
    Progress.SUMMARY: [
        _("Read the published summary and compare it with your submissions."),
        _("Apply to the next constructive dialogue to raise the follow-up."),
    ],
    Progress.COMPLETED: [
        _(
            "Monitor how the State implements the observations, and record where your "
            "recommendations were taken up."
        ),
    ],
}


def guidance_for(progress: Progress) -> list:
    return GUIDANCE.get(progress, [])
