"""Who raised and who invested, read from a sentence.

A company is the subject of a round where the sentence says it raised
("X完成Y轮融资", "X raises $Y", "领投X的B轮"); a company the alias file does
not know is found by the same forms and named by what stands before the verb.
Investors are read from the forms real coverage uses (领投, 联合领投, 跟投,
"led by", "co-led by", "with participation from", "backed by", 老股东继续加注),
kept by name when the alias file does not know them.
"""

from __future__ import annotations

import re

from pipeline.extract.names import Named, Registry

#: what follows a company that raised: (time words) then a funding verb
_RAISED_AFTER = re.compile(
    r"^[\s\"”」』)]*(?:(?:科技)?(?:股份)?有限公司|公司|集团)?(?:(?:近日|日前|今日|今天|刚刚|已经|已|正式|宣布|官宣|再度|再次|再|又|也|被曝|被传|"
    r"据悉|消息称|正在|正|将|即将|拟|计划|"
    r"于\d+月\d+日|\d+月\d+日|,)\s?){0,4}"
    r"(?:完成|获得|获|拿下|斩获|融资|新融资|启动|寻求|筹划|洽谈|进行|敲定|开启|迎来|被投|宣布完成|募资|募集|确认属实|"
    r"证实|"
    r"[A-F]\+*\s?轮|Pre-?[A-Z]+\+*\s?轮|天使\+?轮|战略轮|新一轮|首轮)"
    r"|^(?:,\s[^,]{2,60},)?[\s,]*(?:'s\s(?:[\w-]+\s){0,3}(?:startup|start-up|company|firm|venture)\s)?(?:(?:has|have|"
    r"had|is|was|also|just|reportedly|recently|officially|now)\s){0,3}"
    r"(?:raises|raised|raising|secures|secured|securing|closes|closed|closing|lands|landed|bags|bagged|nabs|nets|"
    r"drums up|completes|completed|gets|got|receives|received|attracts|attracted|snags|pulls in|rakes in|is valued|"
    r"valued at|seeks|seeking|in talks|finalizing|finalising|announced|announces|initiated|launches|launched|"
    r"has completed|hauls)\b",
    re.I,
)
#: what stands before a company that is the target of an investment
_TARGET_BEFORE = re.compile(
    r"(?:领投|参与|参投|投资|注资|入股|加注|押注|backs|backed|invests in|invested in|leads|led|"
    r"向|对|的投资方|给)\s?(?:了\s?)?(?:[\w ]{0,12}?(?:开发商|母公司|公司|企业|创企|初创|独角兽))?\s?$",
    re.I,
)
#: an English headline's target: "invested 2.5 billion yuan in AI startup Zhipu", "join backers for … Zhipu"
_EN_TARGET_BEFORE = re.compile(
    r"\b(?:in|into|for|backs|backed|invests in|invested in|bet on|stake in)\s(?:(?:the|a|an)\s)?"
    r"(?:(?:[\w-]+\s){0,3}(?:startup|start-up|company|firm|developer|maker|unicorn)\s)?$",
    re.I,
)
_DESCRIPTOR = (
    r"公司|企业|创企|初创|独角兽|新创|厂商|服务商|开发商|提供商|平台|明星|新星|黑马|团队|商|者|的|是|为|"
    r"startup|start-up|company|firm|unicorn|developer|maker|provider|giant"
)
_CN_SUBJECT = re.compile(
    r"(?P<name>[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff·.&\- ]{1,24}?)(?=[\"”」』)]?\s?"
    r"(?:近日|日前|今日|今天|已|正式|宣布|官宣|再度|再次|再|又|被曝)?\s?(?:宣布)?(?:完成|获得|再获|获|拿下|斩获)"
    r"[^,。;]{0,16}?(?:融资|投资|轮|注资))"
)
_EN_SUBJECT = re.compile(
    r"(?P<name>(?:[A-Z][\w.&'-]*|[0-9][\w.]*[A-Za-z][\w.]*)(?:\s(?:[A-Z][\w.&'-]*|AI|of|de))*)"
    r"(?='s)?\s(?:has\s|have\s|is\s|also\s|reportedly\s|just\s)*"
    r"(?:raises|raised|secures|secured|closes|closed|lands|landed|bags|nabs|drums up|completes|completed|"
    r"receives|received|attracts|hauls|snags)\b"
)
_NOT_A_NAME = re.compile(
    r"^(?:the|it|its|this|that|they|he|she|we|china|chinese|beijing|shanghai|company|startup|firm|ai|"
    r"本轮|此轮|该公司|公司|其|这|此|后者|前者|两家|多家|同日|近日|日前|今日|并|已|也|又|再|还|首次|正式|机器人公司|"
    r"AI公司|"
    r"人工智能公司|大模型公司|初创企业|初创公司|企业|创企|一家.*)$",
    re.I,
)
_FOREIGN = re.compile(
    r"(?:韩国|南韩|日本|美国|英国|法国|德国|印度|以色列|欧洲|硅谷|新加坡|加拿大|Korean|Japanese|American|"
    r"US-based|U\.S\.|British|French|German|Indian|Israeli|European)\s?(?:机器人|AI|人工智能)?\s?"
    r"(?:新创|初创|公司|企业|创企|startup|start-up|company|firm)",
    re.I,
)


#: the story is about AI or robots, the market llmwatch tracks ("AI" in capitals: "said" is not about AI)
_AI_CONTEXT = re.compile(
    r"(?<![A-Za-z])A\.?I(?![a-z])|人工智能|模型|智能|机器人|具身|算力|生成式|视频生成|"
    r"(?i:token|\bagi\b|\bllm|\bgpt|chatbot|\bagent|artificial intelligence|machine learning|robot)"
)


def ai_context(text: str) -> bool:
    return _AI_CONTEXT.search(text) is not None


_LIST_SPLIT = re.compile(r"\s*(?:、|,\s*(?:and\s+)?|;\s*|\s+and\s+|\s*&\s*|和|及|与|以及|跟)\s*")
_GENERIC = re.compile(
    r"^(?:某|多家|多个|一些|数家|若干|其他|其它|知名|头部|产业资本|战投|机构|投资方|投资人|投资者|老股东|新股东|股东|"
    r"others?|"
    r"investors?|existing (?:investors|shareholders)|a (?:group|number|consortium) of|several|"
    r"[\w-]+-backed\b|unnamed|undisclosed|major investors|various|entities|entity)",
    re.I,
)
_ZH_LEADS = (
    re.compile(r"(?:领投方|领投机构|领投者)(?:为|是|包括|有)(?P<list>[^。;:(]+)"),
    re.compile(r"(?:^|[,:;。由获]|本轮融资?由|本轮由)(?P<list>[^,:;。由]{1,80}?)(?:联合|共同|一同|一起)?领投"),
)
_ZH_INVESTORS = (
    re.compile(
        r"(?:跟投方|参投方|投资方|投资机构|投资人|新投资方|参与投资方|新股东|股东|参与方)\s?(?:包括|含|为|有|是|:)"
        r"(?P<list>[^。;:(]+?)(?=(?:等[^,。;]*)?(?:[,。;(]|$))"
    ),
    re.compile(
        r"(?:^|[,:;。由获])(?P<list>[^,:;。由获]{1,60}?)(?:等[^,。;]{0,8})?(?:跟投|参投|参与投资|联合投资|共同投资|"
        r"继续跟投|继续加注|加注|超额跟进|入股|入局|参与)"
    ),
    re.compile(r"新增[\"“](?P<list>[^\"”]+)[\"”]"),
    re.compile(r"包括(?P<list>[^,。;]{2,40}?)在内的(?:多家|几家|数家)?(?:老股东|股东|投资方|投资人|机构|基金)"),
    re.compile(r"吸引了(?P<list>[^。;]+)"),
    # "梁文锋计划在这轮融资中个人出资…": a founder or backer putting money into this round
    re.compile(
        r"(?:^|[,:;。])(?P<list>[^,:;。]{1,24}?)(?:计划|将|拟|也)?在(?:这|本|此|该)轮(?:融资)?中(?:个人)?(?:出资|认购|"
        r"投资|跟投)"
    ),
    re.compile(r"(?P<list>[^,:;。]{2,40}?)(?:预计|将|或)?(?:为|是|成为)[^,。;]{0,6}投资方"),
    re.compile(r"获(?:得)?(?P<list>[^,。;]{2,30}?)\s?[\d.]+\s?亿?元?(?:战略)?(?:投资|追投|注资)"),
    re.compile(r"老股东(?P<list>[^,。;等]{2,20}?)(?:继续|持续|超额)"),
)
_EN_LEADS = (
    re.compile(r"(?:co-?led|led|spearheaded|headed)\s+by\s+(?P<list>[^.;()]+)", re.I),
    re.compile(r"(?P<list>(?:[A-Z][\w.&']*\s?){1,4})-[Ll]ed\s+(?:[Rr]ound|[Ff]unding|[Ii]nvestment|[Ff]inancing)"),
    re.compile(r"(?P<list>[A-Z][\w.&' ,]{1,80}?)\s+(?:led|co-led|leads)\s+the\s+(?:round|funding|investment|deal)"),
    # "Alibaba leads $600M funding round for MiniMax", "ALIBABA Group Holding is leading a financing round"
    re.compile(
        r"(?:^|[.;]\s)(?P<list>[A-Z][\w.&']*(?:\s[A-Z][\w.&']*){0,3})\s+(?:is leading|leads|led|is spearheading|"
        r"spearheads)\s+"
        r"(?:a |an |the )?(?:\$|US\$|HK\$|\d|financing|funding|investment|round|new round)",
        re.I,
    ),
)
_EN_PARTICIPANTS = re.compile(
    r"(?<![\w$])(?:(?:[Ee]xisting|[Oo]ther|[Nn]ew) investors? |[Ii]nvestors )?"
    r"(?P<list>(?:[A-Z][\w.&'-]*(?: [A-Z][\w.&'-]*)*)(?:(?:, (?:and )?| and )[A-Z][\w.&'-]*(?: [A-Z][\w.&'-]*)*)*)"
    r" (?:also )?(?:took part|participated|joined in|joined the)"
)
_EN_INVESTORS = (
    re.compile(
        r"(?:with participation from|participation from|participants included|supported by|backed by|"
        r"investors (?:include|included|including)|"
        r"(?:round|funding|financing) (?:that |which )?(?:included|includes|including)|(?:other )?investors such as|"
        r"major investors like|joined by|"
        r"along with|alongside|(?:million|billion|bn|mln|[mb]|yuan|dollars|funding|investment|capital|money|financing|"
        r"backing) from)\s+(?:major investors like\s+|existing investors\s+)?"
        r"(?P<list>[^.;()]+)",
        re.I,
    ),
)
_CUT_ITEM = re.compile(
    r"等.*$|旗下|(?:继续|持续|超额|也|还|亦|均|同时|共同|联合).*$|"
    r"\s+(?:to|as|with|which|who|that|in|for|at|on|among|bringing|"
    r"pushing|valuing|making|while|after|according)\b.*$",
    re.I,
)


def subjects(sentence: str, names: Registry) -> list[Named]:
    """The companies this sentence says raised (known ones, then new names by the forms that say so)."""
    found = []
    for n in names.companies_in(sentence):
        before, after = sentence[max(0, n.start - 24) : n.start], sentence[n.end : n.end + 60]
        if (
            _RAISED_AFTER.search(after)
            or _TARGET_BEFORE.search(before)
            or _possessive_round(after)
            or (_EN_TARGET_BEFORE.search(sentence[max(0, n.start - 50) : n.start]) and _FUNDING_HINT.search(sentence))
            or (n.how != "founder" and _money_follows(after))
        ):
            found.append(n)
    taken = [(n.start, n.end) for n in names.companies_in(sentence)]
    for rx, hint in ((_CN_SUBJECT, _CN_VERB_HINT), (_EN_SUBJECT, _EN_VERB_HINT)):
        if not hint.search(sentence):
            continue  # no verb the pattern needs: it would try every place in vain
        for m in rx.finditer(sentence):
            name = _last_name(m.group("name"))
            if not name:
                continue
            start = m.end("name") - len(name)
            if any(a < m.end("name") and start < b for a, b in taken):
                continue
            if names.investors_in(name) and names.investor_id(name) != name:
                continue  # an investor named first ("阿里云领投…")
            if _FOREIGN.search(sentence[max(0, start - 16) : start]):
                continue  # the market is China's
            cid = names.company_id(name)
            found.append(Named(start, m.end("name"), cid or "", name, "new"))
            taken.append((start, m.end("name")))
    return sorted(found)


_CN_VERB_HINT = re.compile(r"完成|获|拿下|斩获")
_EN_VERB_HINT = re.compile(r"raise|secure|close|land|bag|nab|drums up|complete|receive|attract|haul|snag", re.I)
_FUNDING_HINT = re.compile(r"invest|fund|raise|backer|round|stake|bet", re.I)


def _possessive_round(after: str) -> bool:
    return bool(
        re.match(r"^\s?(?:的|'s)?\s?(?:新一轮|新一轮|首轮|本轮|B|C|A|D|Pre|pre|天使|战略|\d+\s?亿|\$|US\$)", after)
    )


def _money_follows(after: str) -> bool:
    return bool(re.match(r"^[^,。;]{0,12}?(?:\d[\d.,]*\s?(?:亿|万|million|billion|bn|m\b)|数[十百千]?亿|\$\d)", after))


def _last_name(raw: str) -> str:
    """The name in "国产 AI 初创企业硅基流动": what follows the last descriptor."""
    parts = re.split(rf"(?:{_DESCRIPTOR})(?=[^a-z]|$)", raw.strip(), flags=re.I) if not raw.isascii() else [raw]
    name = (parts[-1] if parts else raw).strip(" \"“”「」'-·.")
    name = _EDGE_WORDS.sub("", name).strip()
    name = _TAIL_WORDS.sub("", name).strip()
    if len(name) < 2 or _NOT_A_NAME.match(name) or re.search(r"^[\d.\s]+$|\d\s?[年月日]", name):
        return ""
    if re.search(r"[\u4e00-\u9fff]", name) and len(name) > 12:
        return ""
    if _INVESTOR_LIKE.search(name):
        return ""  # a fund or an investor raising its own money is not a company's round
    return name


_EDGE_WORDS = re.compile(
    r"^(?:(?:近日|日前|今日|今天|据悉|消息称|其中|此外|同时|另外|而且|而|并且|并|且|今年|去年|本周|近期|随后|目前|"
    r"Chinese|China's|China|AI|startup)\s?)+",
)
_TAIL_WORDS = re.compile(
    r"(?:春节期间|春节后|春节|节后|年底|年初|上半年|下半年|季度|官宣|宣布|正式|累计|近期|近日|日前|今日|年后|早期|"
    r"期间|此前|之前|随后|目前|已经|已|成功|顺利|首次|再次|同日|均|也|又|再|"
    r"被曝|被传|将|拟|正|本轮|此轮|本次|此次|一举|相继|先后|分别)+$"
)
_FUNCTION_WORDS = re.compile(
    r"^(?:而|并|且|其中|此外|同时|另外|本次|此次|本轮|该轮|包括|如|像|老股东|新股东|现有股东|including|like|from|by|"
    r"the|由|获|向|与)\s?"
    r"|(?<=\w)'s\b.*$|(?<=\S{2})(?:连续|持续|继续|首次|再次|也|还|均|已|将|亦|或|同时|共同|联合|一同|一起|分别|正在|"
    r"正|传出|参与|入局).*$"
)


_INVESTOR_LIKE = re.compile(r"(?:基金|资本|创投|投资|资管|Capital|Ventures|Fund|Partners|Investments?)$", re.I)


_LIST_TURN = re.compile(
    r"^(?:supported|backed|joined|followed|with|alongside|along|participation|plus|as well as|while|other|existing)\b",
    re.I,
)


#: kinds of investor rather than names; dropped where the list around them is generic too ("多家战投及国资")
_KIND_OF_INVESTOR = re.compile(r"^(?:国资|地方国资|国有资本|产业资本|战投|险资|外资)$")


def _role_removed(part: str) -> str:
    """ "汇川技术旗下汇川产投" -> 汇川产投; "创办人兼 CEO 梁文锋" -> 梁文锋."""
    if "旗下" in part:
        part = part.rsplit("旗下", maxsplit=1)[-1]
    return re.sub(r"^.*(?:联合创始人|创始人|创办人|CEO|董事长|总裁)\s?(?:兼\s?)?", "", part).strip()


def _bare_name(part: str) -> str:
    """A list item without descriptions: "smartphone maker Xiaomi", "豪威集团(图像传感器)", "而本次京东"."""
    part = re.split(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", part)[-1]  # a headline's clauses: "…融资 X领投"
    part = re.sub(r"^(?:[a-z][\w-]*\s)+(?=[A-Z])", "", part)
    part = re.sub(r"\([^()]*[\u4e00-\u9fff][^()]*\)", "", part)
    for _ in range(2):
        part = _FUNCTION_WORDS.sub("", part).strip(" \"“”「」'")
        part = re.sub(r"(?<=\S)的$", "", part)
    return part


def investor_list(raw: str) -> list[str]:
    """``阿里、五源等老股东`` -> [阿里, 五源]; ``Alibaba, Tencent, and Jiuan, bringing…`` -> three names."""
    out: list[str] = []
    parts = [p.strip(" \"“”「」'") for p in _LIST_SPLIT.split(raw.strip())]
    if any(_GENERIC.match(p) for p in parts if p):
        raw = "、".join(p for p in parts if not _KIND_OF_INVESTOR.match(p))
    for raw_part in _LIST_SPLIT.split(raw.strip()):
        cut = _CUT_ITEM.sub("", _role_removed(raw_part.strip(" \"“”「」'"))).strip(" \"“”「」'")
        if _LIST_TURN.match(cut):
            break  # "led by IDG and supported by Alibaba": the leads end where another role begins
        part = _bare_name(cut)
        if part and part.isascii() and not part[:1].isupper() and not part[:1].isdigit():
            break  # the list ended ("…, and Jiuan, bringing total funding")
        if not part or _GENERIC.match(part) or len(part) > 40 or part.endswith(("...", "…")):
            continue  # a generic phrase, or a name cut off where the excerpt ends
        out.append(part)
    return out


_PREFIX_INVESTORS = re.compile(
    r"(?:^|[,:;。])(?P<list>[^,:;。]{1,40}?)(?:正在?|拟|将|也|已|或)?(?:洽谈|商谈)?(?:投资|入股|注资|参与|加注|"
    r"领投)了?\s?"
    r"(?:[\w ]{0,12}?(?:开发商|母公司|公司|企业))?\s?$"
)


_EN_NAME = r"[A-Z][\w.&'-]*(?: [A-Z][\w.&'-]*)*"
_EN_NAMES = rf"{_EN_NAME}(?:(?:, (?:and )?| and | & ){_EN_NAME})*"
_EN_PREFIX_INVESTORS = (
    # "Alibaba, Tencent join big backers for … Zhipu", "Alibaba and Tencent Invest $342 Million in … Zhipu"
    re.compile(
        rf"(?<![\w$])(?P<list>{_EN_NAMES})(?: and others?(?: [\w-]+){{0,4}})? (?:Ltd\.? )?(?i:join|joins|joined|back|"
        rf"backs|backed|invest|invests|invested|pour|pours|"
        r"lead|leads|led|are among|were among|is among|bet|bets)\b"
    ),
    re.compile(rf"(?<![\w$])(?P<list>{_EN_NAMES})'s (?:[\w$.]+ ){{0,2}}(?i:bet|investment|backing|stake)\b"),
)


def prefix_investors(prefix: str) -> list[str]:
    """Investors named before the company: "腾讯、阿里正洽谈投资 DeepSeek", "Alibaba and Tencent invest … in Zhipu"."""
    m = _PREFIX_INVESTORS.search(prefix)
    if m:
        return investor_list(m.group("list"))
    for rx in _EN_PREFIX_INVESTORS:
        for m in rx.finditer(prefix):
            found = [n for n in investor_list(m.group("list")) if not _EN_NOT_INVESTOR.match(n)]
            if found:
                return found
    return []


#: capitalised words a headline puts before a verb that are not investors
_EN_NOT_INVESTOR = re.compile(
    r"^(?:China|Chinese|The|A|An|AI|Tech|Giants?|Startup|Start-up|Big|Major|Investors?|Backers?)$", re.I
)


def leads_in(clause: str) -> list[str]:
    if "领投" not in clause and not re.search(r"\bled\b|\bleads?\b|leading|-led|spearhead|headed", clause, re.I):
        return []
    out: list[str] = []
    for rx in (*_ZH_LEADS, *_EN_LEADS):
        for m in rx.finditer(clause):
            out += [n for n in investor_list(m.group("list")) if n not in out]
    return out


_INVESTOR_HINT = re.compile(
    r"跟投|参投|投资|入股|入局|参与|加注|跟进|股东|新增|包括|吸引|出资|投资方|"
    r"from|backed|backing|participation|investors|including|included|supported|joined|alongside|along with",
    re.I,
)


def investors_in(clause: str) -> list[str]:
    if not _INVESTOR_HINT.search(clause):
        return []  # none of the words an investor list follows
    out: list[str] = []
    for rx in (*_ZH_INVESTORS, *_EN_INVESTORS, _EN_PARTICIPANTS):
        for m in rx.finditer(clause):
            out += [n for n in investor_list(m.group("list")) if n not in out]
    return out
