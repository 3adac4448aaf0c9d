"""The Lighthouse run's verdict (``tests.browser.lighthouse.table``): a buyer or seller page below
the target fails the run and says which audit cost the points; the admin's pages are shown only."""

from tests.browser.lighthouse import table


def report(seo: float, *, failing: str = "") -> dict:
    audits = {
        "meta-description": {
            "title": "Document does not have a meta description",
            "score": 0 if failing else 1,
        }
    }
    return {
        "categories": {
            "accessibility": {"score": 1, "auditRefs": []},
            "best-practices": {"score": 1, "auditRefs": []},
            "seo": {"score": seo, "auditRefs": [{"id": "meta-description", "weight": 1}]},
        },
        "audits": audits,
    }


def page(role: str, name: str) -> dict:
    return {"role": role, "name": name, "path": f"/{name}/"}


def test_a_buyer_page_below_the_target_fails_and_names_the_audit():
    rows, misses = table([(page("buyer", "orders"), report(0.9, failing="meta-description"))])

    assert "buyer     orders" in rows
    assert misses[0] == "buyer orders /orders/: below target in ['seo']"
    assert "meta-description: Document does not have a meta description" in misses[1]


def test_the_admin_is_measured_but_not_gated_and_a_page_that_did_not_load_fails():
    broken = {"runtimeError": {"message": "Status code: 404"}, "categories": {}}
    rows, misses = table(
        [
            (page("mediator", "queue"), report(0.54, failing="meta-description")),
            (page("seller", "orders"), report(1)),
            (page("seller", "record"), broken),
        ]
    )

    assert "(meta-description" in rows
    assert misses == [
        "seller record /record/: below target in ['accessibility', 'best-practices', 'seo']",
        "    Status code: 404",
    ]
