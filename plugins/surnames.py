"""Chinese surnames: what a masked name may keep of a name written in Chinese characters (P-SEC-1).

A name is read surname first, and its surname is only believed when it is one of these: a name
that starts with anything else (扎西多吉, 阿依古丽: names without a surname, written in Chinese
characters) keeps nothing. The single surnames are the commonest two hundred or so; a rarer
surname keeps nothing, which hides more, never less.

A name that starts with a two-character surname is read as having it: 欧阳明 is 欧阳 + 明, though
欧 is a surname too and 阳明 could be a given name. The text cannot tell the two apart; the
convention is what the name's owner and everyone reading it go by.
"""

SINGLE = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏"
    "苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵"
    "万覃武钱戴严莫孔向常汤康易乔赖文施洪辛柯庄葛单欧祝柳牛殷齐俞倪岳鲁温凌詹关阎邢苗童霍裴樊谷"
    "甘聂兰包蓝焦鲍左章梅郎骆宁翟安颜曲耿庞卓车艾管解阮邬尚时盛桂屈古路钮滕申伍吉纪景连隋池谈应"
    "迟项全仇房晏柏丰宫冉邝靳涂华舒鞠巫席娄麦穆褚蒙饶强楚商查司沙卜乐佟窦符简芦冷邸成米和季卫尤"
    "苟巩寇栾薄蔺丘"
)
COMPOUND = frozenset(
    (
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "长孙",
        "宇文",
        "司徒",
        "司空",
        "夏侯",
        "轩辕",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "呼延",
        "澹台",
        "申屠",
        "闻人",
        "赫连",
        "钟离",
        "拓跋",
    )
)


def surname(name: str) -> str | None:
    """The surname `name` starts with, when something follows it; None when it starts with none
    of these, or is nothing but a surname (then there is no telling which part is which)."""
    if len(name) > 2 and name[:2] in COMPOUND:
        return name[:2]
    if len(name) > 1 and name[0] in SINGLE:
        return name[0]
    return None
