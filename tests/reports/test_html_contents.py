"""The whole HTML report opens with a table of contents linking every section."""

from __future__ import annotations

import re

from codebench.project import Project
from codebench.reports import full_report
from codebench.reports.render_html import html_document


def test_contents_link_every_section(small: Project) -> None:
    page = html_document(full_report(small, quote_codes=["12"]))
    nav = page[page.index('<nav class="contents">') : page.index("</nav>")]
    links = re.findall(r'<a href="#([^"]+)">', nav)
    sections = re.findall(r'<section id="([^"]+)">', page)
    assert links == sections
    assert links[:2] == ["frequencies", "by-attribute-organisation"]
    assert "quotes" in links and len(set(links)) == len(links)
    assert page.index("</nav>") < page.index("<section")
