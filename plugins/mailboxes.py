"""Public mailbox providers: the only e-mail domains a masked address may keep (P-SEC-1).

Each is open to anyone and shared by millions, so it says nothing about who the person is or
where they work. Any other domain is hidden: a company's domain names the employer, and a small
company's, a school's or a family's own domain can come close to naming the person.
"""

PUBLIC = frozenset(
    (
        "qq.com",
        "vip.qq.com",
        "foxmail.com",
        "163.com",
        "vip.163.com",
        "126.com",
        "yeah.net",
        "188.com",
        "sina.com",
        "sina.cn",
        "vip.sina.com",
        "sohu.com",
        "139.com",
        "189.cn",
        "wo.cn",
        "aliyun.com",
        "tom.com",
        "21cn.com",
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "aol.com",
        "gmx.com",
        "yandex.com",
    )
)
