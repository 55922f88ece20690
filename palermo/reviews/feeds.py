"""iCalendar and Atom renderings of the tracker. UIDs and entry ids are stable: the same
deadline or event keeps its id however often the feed is rebuilt."""

import datetime as dt

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.translation import gettext as _

from palermo.reference.models import State
from palermo.reviews.models import StageEvent
from palermo.reviews.queries import Deadline


def _host() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]


def calendar_ics(*, deadlines: list[Deadline], events: list[StageEvent], name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Palermo Hub//Review tracker//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for deadline in deadlines:
        review, milestone = deadline.review, deadline.milestone
        item = icalendar.Event()
        item.add(
            "uid",
            f"{deadline.state.code}-{review.phase.group.number}-{review.phase.number}-"
            f"{milestone.stage.value}-due@{_host()}",
        )
        item.add("dtstamp", stamp)
        item.add("dtstart", milestone.expected)
        item.add("dtend", milestone.expected + dt.timedelta(days=1))
        item.add(
            "summary",
            _("%(state)s: %(stage)s due (expected, cluster %(cluster)s)")
            % {
                "state": deadline.state.name,
                "stage": milestone.stage.label,
                "cluster": review.phase.cluster.numeral,
            },
        )
        item.add(
            "description",
            _(
                "Expected date computed from the review rules, on the Vienna calendar. "
                "The phase's start date is derived; see the State's page for sources."
            ),
        )
        item.add("url", settings.SITE_URL + deadline.state.get_absolute_url())
        item.add("transp", "TRANSPARENT")
        cal.add_component(item)
    for event in events:
        item = icalendar.Event()
        item.add("uid", f"stage-event-{event.pk}@{_host()}")
        item.add("dtstamp", stamp)
        item.add("dtstart", event.date)
        item.add("dtend", event.date + dt.timedelta(days=1))
        demo = _("[DEMO] ") if event.is_demo else ""
        item.add("summary", f"{demo}{event.review.state.name}: {event.get_stage_display()}")
        item.add(
            "description", _("Recorded stage event. Source: %(source)s") % {"source": event.sources}
        )
        item.add("url", settings.SITE_URL + event.review.state.get_absolute_url())
        cal.add_component(item)
    return cal.to_ical()


def state_atom(*, state: State, events: list[StageEvent]) -> str:
    link = settings.SITE_URL + state.get_absolute_url()
    feed = feedgenerator.Atom1Feed(
        title=_("Palermo Hub: review of %(state)s") % {"state": state.name},
        link=link,
        description=_("Stage events recorded for the review of %(state)s.") % {"state": state.name},
        feed_url=settings.SITE_URL + reverse("reviews:state_feed", args=[state.code]),
        feed_guid=f"tag:{_host()},2026:states/{state.code}",
        language="en",
    )
    for event in events:
        demo = _("[DEMO] ") if event.is_demo else ""
        feed.add_item(
            title=f"{demo}{event.get_stage_display()} ({_('cluster')} "
            f"{event.review.phase.cluster.numeral})",
            link=f"{link}#phase-{event.review.phase.number}",
            description=" ".join(
                part
                for part in [
                    _("%(stage)s on %(date)s.")
                    % {"stage": event.get_stage_display(), "date": event.date.isoformat()},
                    event.note,
                    _("Source: %(source)s") % {"source": event.sources},
                ]
                if part
            ),
            unique_id=f"tag:{_host()},2026:stage-event/{event.pk}",
            pubdate=dt.datetime.combine(event.date, dt.time(), tzinfo=dt.UTC),
            updateddate=event.recorded_at,
        )
    return feed.writeString("utf-8")
