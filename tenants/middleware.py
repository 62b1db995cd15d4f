"""Pick the schema from the host; an unknown or suspended host gets a plain page, never a 500."""

from django.http import Http404, HttpResponse, HttpResponseNotFound
from django_tenants.middleware.main import TenantMainMiddleware

_NOT_FOUND_PAGE = (
    "<!doctype html><html lang='zh-hans'><meta charset='utf-8'>"
    "<title>未找到</title><p>没有这个单位的站点（404）。请检查网址。</p></html>"
)
_SUSPENDED_PAGE = (
    "<!doctype html><html lang='zh-hans'><meta charset='utf-8'>"
    "<title>已停用</title><p>该单位的站点已停用（403）。请联系县财政局。</p></html>"
)


class TenantHostMiddleware(TenantMainMiddleware):
    def process_request(self, request):
        try:
            response = super().process_request(request)
        except Http404:
            return HttpResponseNotFound(_NOT_FOUND_PAGE)
        if response is not None:
            return HttpResponseNotFound(_NOT_FOUND_PAGE)
        if not request.tenant.is_active:
            return HttpResponse(_SUSPENDED_PAGE, status=403)
        return None
