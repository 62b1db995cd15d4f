"""Template context every page needs: the host's tenant and the user's posts there."""

from permissions.access import membership_for


def tenant(request):
    current = getattr(request, "tenant", None)
    if current is None or current.schema_name == "public":
        return {"tenant": current, "membership": None}
    return {"tenant": current, "membership": membership_for(request)}
