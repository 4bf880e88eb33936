#!/usr/bin/env python3
"""seeds.py — the hand-made seeds of the fuzz corpora (tests/fuzz/corpus/).

Run once to (re)create the seeds; `make fuzz-run` then adds what libFuzzer
finds, and `make fuzz-cmin` keeps each corpus minimal.  Seeds come from
tests/data (config corpus, explain texts) and from replies shaped like the
ones in tests/unit and tests/integration (STS, IAM, SSO, IMDS, container).
Files are named seed-<name>, so they sort apart from libFuzzer's hashes.

    python3 tests/fuzz/seeds.py [TARGET...]
"""
import os
import sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
corpus = os.path.join(top, "tests", "fuzz", "corpus")

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLE+TOKEN/=="


def put(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def replies(*rs):
    """Replies in tests/fuzz/fuzz.h's format: (status, headers, body)."""
    out = []
    for status, headers, body in rs:
        h = "".join("%s: %s\n" % kv for kv in headers)
        out.append("%d\n%s\n%s" % (status, h, body))
    return "\n%%\n".join(out)


def process():
    good = '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}' % (AKID, SECRET)
    put("process", "static", good)
    put("process", "session", '{\n  "Version": 1,\n  "AccessKeyId": "ASIA",\n'
        '  "SecretAccessKey": "%s",\n  "SessionToken": "%s",\n'
        '  "Expiration": "2030-01-02T03:04:05Z",\n  "AccountId": "123456789012"\n}\n'
        % (SECRET, TOKEN))
    put("process", "lower-keys", '{"version":1,"accessKeyId":"A","secretAccessKey":"S",'
        '"sessionToken":"","expiration":"2030-01-02T03:04:05.123+02:00"}')
    put("process", "null-and-dupes", '{"Version":1,"AccessKeyId":"A","AccessKeyId":null,'
        '"SecretAccessKey":"S","Extra":[1,{"a":null}],"Expiration":"2030-01-02 03:04:05UTC"}')
    put("process", "version-real", '{"Version":1.0,"AccessKeyId":"A","SecretAccessKey":"S"}')
    put("process", "version-string", '{"Version":"1","AccessKeyId":"A","SecretAccessKey":"S"}')
    put("process", "wrong-type", '{"Version":1,"AccessKeyId":5,"SecretAccessKey":"S"}')
    put("process", "bad-expiration", '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S",'
        '"Expiration":"tomorrow"}')
    put("process", "truncated", good[:40])
    put("process", "not-object", '[1, "two", null, true, 3.5e10]')
    put("process", "unicode", '{"Version":1,"AccessKeyId":"A\\u00e9\\ud83d\\ude00",'
        '"SecretAccessKey":"S\\u0000"}')
    put("process", "blank", " \n\t ")
    put("process", "messages-first", "fetching credentials...\n" + good)


def fields():
    for name, s in [
        ("time-z", "2026-01-02T03:04:05Z"),
        ("time-frac", "2026-01-02T03:04:05.123456Z"),
        ("time-utc", "2026-01-02T03:04:05UTC"),
        ("time-offset", "2026-01-02T03:04:05+05:30"),
        ("time-neg-offset", "1999-12-31t23:59:60-08:00"),
        ("time-space", "2024-02-29 00:00:00z"),
        ("time-bad-leap", "2023-02-29T00:00:00Z"),
        ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ("date-leap-second", "Wed, 31 Dec 2025 23:59:60 GMT"),
        ("date-feb31", "Mon, 31 Feb 2025 10:00:00 GMT"),
        ("url-https", "https://sts.us-east-1.amazonaws.com"),
        ("url-port-path", "http://localhost:4566/path/"),
        ("url-ipv6", "HTTP://[fd00:ec2::254]:80"),
        ("url-userinfo", "https://user:pw@host/"),
        ("url-query", "https://host/?a=b#c"),
        ("url-no-scheme", "localhost:5000"),
        ("region", "us-gov-west-1"),
        ("region-cn", "cn-north-1"),
        ("region-bad", "-eu-west-1-"),
        ("region-iso", "us-isob-east-1"),
        ("path", "/a/./b/../c//d%2F%7e~ x"),
        ("query", "Action=AssumeRole&b=%2f&a=&a=1&=x&&Version=2011-06-15"),
        ("header-value", "  a   b\t c  "),
        ("display-url", "https://user:pass@host:8443/p@th?X-Amz-Signature=abc#frag"),
        ("number", "3600"),
        ("number-big", "99999999999999999999"),
    ]:
        put("fields", name, s)


def shell():
    vals = ["", "prod", "it's", "'", "''", "'''", "'a'", "a''''b", "a\\b", "a\\", "\\'",
            "'\\", "line1\nline2", "a\n\n", "a\r\nb", "$(touch /tmp/x)", "`id`",
            "'; touch x; echo '", "\\'; id; echo \\'", "(id)", "$HOME ${HOME} $$ %self",
            " two  spaces ", "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x94\x91", "caf\xe9 \xff\xfe",
            "\x01\x1b[31m\x7f", "-e", "--", "*.tf ? [ab] **/x", "~/x:~root", "#c",
            "!! !$", "{a,b} {1..3}", "100% %s", "A=B=C",
            AKID + "/" + SECRET + "==", "bash", "/usr/bin/fish", "-zsh", "TFA_V", "9x",
            "\xef\x98\x80 fish private use", "\xf4\x8f\xbf\xbf"]
    for i, v in enumerate(vals):
        put("shell", "%02d" % i, v.encode("latin-1") if any(ord(c) > 127 for c in v)
            and not v.isascii() and all(ord(c) < 256 for c in v) else v)


def explain():
    d = os.path.join(top, "tests", "data", "explain")
    for f in sorted(os.listdir(d)):
        with open(os.path.join(d, f), "rb") as fh:
            put("explain", f, fh.read())


def config():
    d = os.path.join(top, "tests", "data", "config-corpus")
    for case in sorted(os.listdir(d)):
        p = os.path.join(d, case)
        if not os.path.isdir(p):
            continue
        parts = []
        for name in ("config", "credentials"):
            f = os.path.join(p, name)
            parts.append(open(f, "rb").read() if os.path.exists(f) else None)
        conf, cred = parts
        if conf is not None and cred is not None:
            put("config", case, conf + b"\n%%\n" + cred)
        elif conf is not None:
            put("config", case, conf)
        elif cred is not None:
            put("config", case, b"\n%%\n" + cred)
    put("config", "sso-and-services",
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = Admin\nregion = eu-west-1\nservices = local\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\nsso_registration_scopes = sso:account:access, x\n"
        "[services local]\nsts =\n  endpoint_url = http://localhost:4566\n"
        "iam =\n  endpoint_url = https://[::1]:8443/\nsso_oidc =\n  endpoint_url = http://127.0.0.1:1\n"
        "[profile legacy]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n"
        "sso_account_id = 1\nsso_role_name = R\nendpoint_url = https://sts.example.com\n"
        "ignore_configured_endpoint_urls = false\nsts_regional_endpoints = legacy\n")
    put("config", "roles-chain",
        "[default]\nregion = us-east-1\n[profile a]\nrole_arn = arn:aws:iam::1:role/A\n"
        "source_profile = b\nmfa_serial = arn:aws:iam::1:mfa/u\nduration_seconds = 3600\n"
        "[profile b]\nrole_arn = arn:aws:iam::1:role/B\ncredential_source = Ec2InstanceMetadata\n"
        "[profile c]\nsource_profile = c\nrole_arn = x\n[profile default]\nregion = aws-global\n"
        "\n%%\n[b]\naws_access_key_id = AKID\naws_secret_access_key = S\n[c]\n"
        "aws_access_key_id=K\naws_secret_access_key=S\naws_session_token=T\n")


def awsquery():
    ns = ' xmlns="https://sts.amazonaws.com/doc/2011-06-15/"'
    creds = ("<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId>"
             "<SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken>"
             "<Expiration>2023-11-14T23:13:20Z</Expiration></Credentials>" % (SECRET, TOKEN))
    xml = 'Content-Type: text/xml'
    hx = [("Content-Type", "text/xml"), ("x-amzn-RequestId", "rid-1"),
          ("Date", "Tue, 14 Nov 2023 22:13:20 GMT")]
    gci = ('<GetCallerIdentityResponse%s><GetCallerIdentityResult>'
           '<Arn>arn:aws:iam::123456789012:user/Alice</Arn><UserId>AIDAEXAMPLE</UserId>'
           '<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata>'
           '<RequestId>rid-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>' % ns)
    ar = ('<AssumeRoleResponse%s><AssumeRoleResult>%s<AssumedRoleUser>'
          '<AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>'
          '<Arn>arn:aws:sts::123456789012:assumed-role/R/s</Arn></AssumedRoleUser>'
          '</AssumeRoleResult></AssumeRoleResponse>' % (ns, creds))
    gst = ('<GetSessionTokenResponse%s><GetSessionTokenResult>%s</GetSessionTokenResult>'
           '</GetSessionTokenResponse>' % (ns, creds))
    wi = ('<AssumeRoleWithWebIdentityResponse%s><AssumeRoleWithWebIdentityResult>%s'
          '<AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/R/s</Arn><AssumedRoleId>A:s'
          '</AssumedRoleId></AssumedRoleUser></AssumeRoleWithWebIdentityResult>'
          '</AssumeRoleWithWebIdentityResponse>' % (ns, creds))
    lak = ('<ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
           '<ListAccessKeysResult><UserName>Alice</UserName><AccessKeyMetadata>'
           '<member><UserName>Alice</UserName><AccessKeyId>AKIA1</AccessKeyId>'
           '<Status>Active</Status><CreateDate>2020-01-01T00:00:00Z</CreateDate></member>'
           '<member><UserName>Alice</UserName><AccessKeyId>AKIA2</AccessKeyId>'
           '<Status>Inactive</Status></member></AccessKeyMetadata>'
           '<IsTruncated>%s</IsTruncated>%s</ListAccessKeysResult></ListAccessKeysResponse>')
    lu = ('<GetAccessKeyLastUsedResponse><GetAccessKeyLastUsedResult><UserName>Alice'
          '</UserName><AccessKeyLastUsed><LastUsedDate>2023-11-01T10:00:00Z</LastUsedDate>'
          '<ServiceName>s3</ServiceName><Region>us-east-1</Region></AccessKeyLastUsed>'
          '</GetAccessKeyLastUsedResult></GetAccessKeyLastUsedResponse>')
    err = ('<ErrorResponse%s><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message>'
           '</Error><RequestId>rid-e</RequestId></ErrorResponse>')
    moto = ('<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>The '
            'security token included in the request is invalid.</Message></Error></Errors>'
            '<RequestId>r</RequestId></ErrorResponse>')
    ec2 = ('<Response><Errors><Error><Code>AuthFailure</Code><Message>x</Message></Error>'
           '</Errors><RequestID>r</RequestID></Response>')
    # First byte: which call (fuzz_awsquery.c); '0' parses the rest as XML.
    put("awsquery", "parse-gci", "0" + gci)
    put("awsquery", "parse-doctype", '0<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    put("awsquery", "parse-nested", "0<a:r xmlns:a='u'><a:b>  t <c/> u </a:b><![CDATA[x<y]]>&amp;&#x41;</a:r>")
    put("awsquery", "gci", "1" + replies((200, hx, gci)))
    put("awsquery", "assume-role", "2" + replies((200, hx, ar)))
    put("awsquery", "session-token", "3" + replies((200, hx, gst)))
    put("awsquery", "web-identity", "4" + replies((200, hx, wi)))
    put("awsquery", "list-keys-pages", "5" + replies(
        (200, hx, lak % ("true", "<Marker>m1</Marker>")), (200, hx, lak % ("false", ""))))
    put("awsquery", "last-used", "6" + replies((200, hx, lu)))
    put("awsquery", "error-expired", "1" + replies(
        (403, hx, err % (ns, "ExpiredToken", "The security token included in the request is expired"))))
    put("awsquery", "error-denied", "2" + replies(
        (403, hx, err % (ns, "AccessDenied", "User: arn:aws:iam::1:user/A is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/R"))))
    put("awsquery", "error-moto", "1" + replies((403, [("Content-Type", "text/html")], moto)))
    put("awsquery", "error-ec2", "5" + replies((401, [], ec2)))
    put("awsquery", "proxy-html", "1" + replies((200, [("Content-Type", "text/html")],
                                                "<html><body>Proxy login</body></html>")))
    put("awsquery", "throttled", "6" + replies((400, [("x-amzn-ErrorType", "Throttling")],
        err % ("", "Throttling", "Rate exceeded"))))
    put("awsquery", "json-reply", "1" + replies((200, [("Content-Type", "application/json")],
                                                '{"message": "hi"}')))
    put("awsquery", "empty-500", "3" + replies((500, [], "")))
    put("awsquery", "truncated", "2" + replies((200, hx, ar[:300])))
    put("awsquery", "net-fail", "1" + "200\nFUZZ_NET_FAIL: 1\n\n")


def cache():
    role = ('{"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "%s", '
            '"SessionToken": "%s", "Expiration": "2030-01-02T03:04:05Z", '
            '"AccountId": "123456789012"}, "AssumedRoleUser": {"AssumedRoleId": '
            '"AROA:s", "Arn": "arn:aws:sts::123456789012:assumed-role/R/s"}}' % (SECRET, TOKEN))
    # First byte: 'r' role credentials, 's' SSO token (fuzz_cache.c).
    put("cache", "role", "r" + role)
    put("cache", "role-botocore", "r" + role.replace("03:04:05Z", "03:04:05UTC")
        .replace('"AccountId": "123456789012"', '"X": 1'))
    put("cache", "role-offset", "r" + role.replace("03:04:05Z", "03:04:05.5+01:00"))
    put("cache", "role-missing", 'r{"Credentials": {"AccessKeyId": "A", "Expiration": 5}}')
    put("cache", "role-arn-only", 'r{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S",'
        '"SessionToken": "T", "Expiration": "2030-01-02T03:04:05Z"}, "AssumedRoleUser": '
        '{"Arn": "arn:aws:sts::9:x"}, "ProviderType": "sso"}')
    tok = ('{"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", '
           '"accessToken": "aoaTOKEN", "expiresAt": "2030-01-02T03:04:05Z", '
           '"clientId": "cid", "clientSecret": "csecret", '
           '"registrationExpiresAt": "2030-03-02T03:04:05Z", "refreshToken": "aorTOKEN"}')
    put("cache", "sso-token", "s" + tok)
    put("cache", "sso-token-utc", 's{"accessToken": "t", "expiresAt": "2023-11-14T22:13:20UTC"}')
    put("cache", "sso-token-other-url", "s" + tok.replace("corp.awsapps", "other.awsapps"))
    put("cache", "sso-token-control", 's{"accessToken": "a\\u0001b", "expiresAt": "2030-01-02T03:04:05Z"}')
    put("cache", "garbage", "r{]")


def sso():
    hj = [("Content-Type", "application/json"), ("x-amzn-RequestId", "rid-1")]
    role = ('{"roleCredentials": {"accessKeyId": "ASIA", "secretAccessKey": "%s", '
            '"sessionToken": "%s", "expiration": 1893553445000}}' % (SECRET, TOKEN))
    reg = ('{"clientId": "cid", "clientSecret": "csecret", "clientIdIssuedAt": 1700000000, '
           '"clientSecretExpiresAt": 1707776000}')
    dev = ('{"deviceCode": "dcode", "userCode": "ABCD-EFGH", "verificationUri": '
           '"https://device.sso.us-east-1.amazonaws.com/", "verificationUriComplete": '
           '"https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH", '
           '"expiresIn": 600, "interval": 1}')
    tok = ('{"accessToken": "aoaTOKEN", "expiresIn": 28800, "tokenType": "Bearer", '
           '"refreshToken": "aorTOKEN"}')
    pending = '{"error": "authorization_pending", "error_description": "pending"}'
    # First byte (fuzz_sso.c): 'p' portal GetRoleCredentials; 'd' a device
    # login; 'r' a refresh of a cached token, then a device login.
    put("sso", "portal", "p" + replies((200, hj, role)))
    put("sso", "portal-401", "p" + replies((401, hj, '{"message": "Session token not found or invalid"}')))
    put("sso", "portal-missing", "p" + replies((200, hj, '{"roleCredentials": {"accessKeyId": "A"}}')))
    put("sso", "device", "d" + replies((200, hj, reg), (200, hj, dev), (400, hj, pending),
                                        (400, hj, '{"error": "slow_down"}'), (200, hj, tok)))
    put("sso", "device-denied", "d" + replies((200, hj, reg), (200, hj, dev),
                                               (400, hj, '{"error": "access_denied"}')))
    put("sso", "device-expired", "d" + replies((200, hj, reg), (200, hj, dev.replace('600', '2')),
                                                (400, hj, pending), (400, hj, pending)))
    put("sso", "device-invalid-client", "d" + replies(
        (200, hj, reg), (400, [("x-amzn-ErrorType", "InvalidClientException:http://x")], '{}'),
        (200, hj, reg), (200, hj, dev), (200, hj, tok)))
    put("sso", "refresh", "r" + replies((200, hj, tok)))
    put("sso", "refresh-invalid-grant", "r" + replies(
        (400, hj, '{"error": "invalid_grant", "error_description": "aorTOKEN is expired"}'),
        (200, hj, reg), (200, hj, dev), (200, hj, tok)))
    put("sso", "not-json", "d" + replies((502, [("Content-Type", "text/html")], "<html>bad gateway</html>")))
    put("sso", "type-error", "d" + replies((200, hj, '{"clientId": 5, "clientSecret": null}')))


def imds():
    hj = [("Content-Type", "application/json")]
    c = ('{"AccessKeyId": "ASIA", "SecretAccessKey": "%s", "Token": "%s", '
         '"Expiration": "2030-01-02T03:04:05Z", "AccountId": "123456789012"}' % (SECRET, TOKEN))
    i = ('{"Code": "Success", "LastUpdated": "2023-11-14T22:00:00Z", "Type": "AWS-HMAC", '
         '"AccessKeyId": "ASIA", "SecretAccessKey": "%s", "Token": "%s", '
         '"Expiration": "2030-01-02T03:04:05Z"}' % (SECRET, TOKEN))
    # First byte (fuzz_imds.c): 'c' container credentials, 'i' EC2 IMDS.
    put("imds", "container", "c" + replies((200, hj, c)))
    put("imds", "container-error", "c" + replies((403, hj, '{"code": "AccessDenied", "message": "no"}')))
    put("imds", "container-html", "c" + replies((200, [], "<html>")))
    put("imds", "imds-v2", "i" + replies((200, [], "AQAEAtoken=="), (200, [], "my-role\nother\n"),
                                          (200, hj, i)))
    put("imds", "imds-v1", "i" + replies((403, [], ""), (200, [], "role"), (200, hj, i)))
    put("imds", "imds-no-role", "i" + replies((200, [], "t"), (404, [], "")))
    put("imds", "imds-code", "i" + replies((200, [], "t"), (200, [], "r"),
                                            (200, hj, i.replace("Success", "Failure"))))
    put("imds", "imds-token-400", "i" + replies((400, [], "")))


def keys():
    # First line: the profile set-keys writes; the rest: the credentials file.
    d = os.path.join(top, "tests", "data", "config-corpus")
    for case in sorted(os.listdir(d)):
        f = os.path.join(d, case, "credentials")
        if os.path.exists(f):
            put("keys", case, b"default\n" + open(f, "rb").read())
    put("keys", "replace-with-token", "dev\n# keys\n[dev]\r\nAWS_Access_Key_ID : old # c\r\n"
        "aws_secret_access_key=\"old\"\r\naws_session_token =\n  t1\n  t2\n"
        "aws_security_token = x\n[other]\naws_access_key_id = K\n[dev]\nregion = x\n")
    put("keys", "add-section", "new profile\n[a]\nx = 1")
    put("keys", "only-secret", "dev\n[dev]\naws_secret_access_key = s\n  cont\n[profile dev]\n")
    put("keys", "bad-line", "dev\n[dev]\nno equals here\n")
    put("keys", "sub-properties", "dev\n[dev]\ns3 =\n  max = 1\naws_access_key_id=A\n")


ALL = dict(process=process, fields=fields, shell=shell, explain=explain, config=config,
           awsquery=awsquery, cache=cache, sso=sso, imds=imds, keys=keys)

if __name__ == "__main__":
    for t in sys.argv[1:] or ALL:
        ALL[t]()
