"""The Tonglu demo county (桐庐县): the data `seed_demo` creates, kept as data, not code.

Region codes follow the national convention (街道 0xx, 镇 1xx, 乡 2xx after the county's
six digits); they are plausible, not copied from the official list.
"""

from typing import NamedTuple

from tenants.models import TenantKind

# Published in the README: every demo account uses it. Never seed a real deployment.
PASSWORD = "neikong-demo"  # noqa: S105 (a published demo password, by design)

# The platform operator: a superuser of the Django admin on the bare BASE_DOMAIN.
OPERATOR_USERNAME = "operator"
OPERATOR_DISPLAY_NAME = "平台运营员"


class DemoTenant(NamedTuple):
    slug: str
    name: str
    kind: str
    region_code: str


COUNTY = DemoTenant("tonglu", "桐庐县", TenantKind.COUNTY, "330122")
COUNTY_ADMIN_DISPLAY_NAME = "桐庐县财政局管理员"

TENANTS: list[DemoTenant] = [
    DemoTenant("tongjun", "桐君街道", TenantKind.SUBDISTRICT, "330122001"),
    DemoTenant("jiuxian", "旧县街道", TenantKind.SUBDISTRICT, "330122002"),
    DemoTenant("chengnan", "城南街道", TenantKind.SUBDISTRICT, "330122003"),
    DemoTenant("fengchuan", "凤川街道", TenantKind.SUBDISTRICT, "330122004"),
    DemoTenant("fuchunjiang", "富春江镇", TenantKind.TOWN, "330122100"),
    DemoTenant("hengcun", "横村镇", TenantKind.TOWN, "330122101"),
    DemoTenant("fenshui", "分水镇", TenantKind.TOWN, "330122102"),
    DemoTenant("yaolin", "瑶琳镇", TenantKind.TOWN, "330122103"),
    DemoTenant("baijiang", "百江镇", TenantKind.TOWN, "330122104"),
    DemoTenant("jiangnan", "江南镇", TenantKind.TOWN, "330122105"),
    DemoTenant("eshan", "莪山畲族乡", TenantKind.TOWNSHIP, "330122200"),
    DemoTenant("zhongshan", "钟山乡", TenantKind.TOWNSHIP, "330122201"),
    DemoTenant("xinhe", "新合乡", TenantKind.TOWNSHIP, "330122202"),
    DemoTenant("hecun", "合村乡", TenantKind.TOWNSHIP, "330122203"),
]

# The first staff of each tenant: (tenant slug, username, display name). In the townships they
# take the first posts of the duty template (step "duties").
STAFF: list[tuple[str, str, str]] = [
    ("tonglu", "tonglu_jiangtao", "蒋涛"),
    ("tonglu", "tonglu_yewen", "叶雯"),
    ("tongjun", "tongjun_zhangwei", "张伟"),
    ("tongjun", "tongjun_wangfang", "王芳"),
    ("tongjun", "tongjun_lijun", "李军"),
    ("jiuxian", "jiuxian_liuyang", "刘洋"),
    ("jiuxian", "jiuxian_chenjing", "陈静"),
    ("jiuxian", "jiuxian_yangfan", "杨帆"),
    ("chengnan", "chengnan_zhaolei", "赵磊"),
    ("chengnan", "chengnan_huangmin", "黄敏"),
    ("chengnan", "chengnan_zhouqiang", "周强"),
    ("fengchuan", "fengchuan_wuxia", "吴霞"),
    ("fengchuan", "fengchuan_xuhao", "徐浩"),
    ("fengchuan", "fengchuan_sunli", "孙丽"),
    ("fuchunjiang", "fuchunjiang_hujian", "胡建"),
    ("fuchunjiang", "fuchunjiang_zhuhong", "朱红"),
    ("fuchunjiang", "fuchunjiang_gaofeng", "高峰"),
    ("hengcun", "hengcun_linna", "林娜"),
    ("hengcun", "hengcun_heping", "何平"),
    ("hengcun", "hengcun_guoyong", "郭勇"),
    ("fenshui", "fenshui_mayan", "马燕"),
    ("fenshui", "fenshui_luobin", "罗斌"),
    ("fenshui", "fenshui_liangyu", "梁宇"),
    ("yaolin", "yaolin_songjie", "宋杰"),
    ("yaolin", "yaolin_zhenghui", "郑慧"),
    ("yaolin", "yaolin_xiebo", "谢波"),
    ("baijiang", "baijiang_hanmei", "韩梅"),
    ("baijiang", "baijiang_tangkai", "唐凯"),
    ("baijiang", "baijiang_fengyi", "冯艺"),
    ("jiangnan", "jiangnan_dongliang", "董亮"),
    ("jiangnan", "jiangnan_xiaowen", "肖文"),
    ("jiangnan", "jiangnan_chengli", "程丽"),
    ("eshan", "eshan_leimin", "雷敏"),
    ("eshan", "eshan_lanxiu", "蓝秀"),
    ("eshan", "eshan_zhonghua", "钟华"),
    ("zhongshan", "zhongshan_caoyu", "曹宇"),
    ("zhongshan", "zhongshan_yuanping", "袁萍"),
    ("zhongshan", "zhongshan_dengtao", "邓涛"),
    ("xinhe", "xinhe_xuli", "许丽"),
    ("xinhe", "xinhe_fuqiang", "傅强"),
    ("xinhe", "xinhe_shenyan", "沈燕"),
    ("hecun", "hecun_zengwei", "曾伟"),
    ("hecun", "hecun_pengjuan", "彭娟"),
    ("hecun", "hecun_lvming", "吕明"),
]


def admin_username(slug: str) -> str:
    """Every demo tenant's first administrator: `tonglu_admin`, `yaolin_admin`, …"""
    return f"{slug}_admin"


def admin_display_name(tenant: DemoTenant) -> str:
    if tenant.kind == TenantKind.COUNTY:
        return COUNTY_ADMIN_DISPLAY_NAME
    return f"{tenant.name}管理员"


# --- duties: every township's posts filled, one overdue rotation, one exception ------------

# New staff for the remaining posts are `<slug>_<post code>` (e.g. `yaolin_cashier`), named
# from these lists; each holds one post, so no one is ever given an incompatible pair.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁"
GIVEN_NAMES = (
    "建国", "丽华", "志强", "秀英", "海燕", "国平", "晓东", "玉兰", "文斌", "春梅", "永红",
    "卫东", "雪芳", "俊杰", "桂英", "明辉", "立新", "慧敏",
)


def holder_username(slug: str, post_code: str) -> str:
    return f"{slug}_{post_code}"


def holder_display_name(tenant_index: int, post_index: int) -> str:
    surname = SURNAMES[(tenant_index * 7 + post_index * 3) % len(SURNAMES)]
    return surname + GIVEN_NAMES[(tenant_index + post_index * 5) % len(GIVEN_NAMES)]


def months_in_post(tenant_index: int, post_index: int) -> int:
    """How long ago (months) the demo holder took the post: spread over 3–52 months, so every
    key post stays well inside the 60-month limit, except OVERDUE below."""
    return 3 + (post_index * 11 + tenant_index * 5) % 50


class DemoOverdue(NamedTuple):
    slug: str
    post: str
    months: int


# One overdue rotation: 瑶琳镇's cashier has held the post for 64 months (limit 60).
OVERDUE = DemoOverdue("yaolin", "cashier", 64)


class DemoPlan(NamedTuple):
    slug: str
    post: str  # its holder is to rotate out
    days_ahead: int
    successor: str  # username
    note: str


PLAN = DemoPlan("yaolin", "cashier", 30, "yaolin_songjie", "出纳任期已满五年，与经办人岗位互换")


class DemoException(NamedTuple):
    slug: str
    holder_of: str  # the demo holder of this post is also given `extra_post`
    extra_post: str
    rule: str
    reason: str
    substitute_control: str
    days: int


EXCEPTION = DemoException(
    "yaolin",
    "asset_keeper",
    "acceptance_officer",
    "sod_acceptance_custody",
    "镇机关仅一名熟悉资产管理的人员，暂无人可另任验收人",
    "每次验收由纪检监督人员到场共同签字，资产入库后由财政办按月抽盘",
    180,
)
