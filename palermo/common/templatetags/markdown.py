from django import template

from palermo.common.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(source: str):
    return render_markdown(source or "")
