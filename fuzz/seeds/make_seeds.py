#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/<target>/ (real-looking inputs of each format,
with SECRET where a secret goes: the checks replace it by a fresh marker). Run from fuzz/;
files the fuzzer adds beside these are kept."""
import hashlib, io, json, os, struct, tarfile, zlib

SEEDS = {
    "address": [b"github/me", b"auth://github/me/token", b"svc.name/user@example.com/api_key",
                b"auth://aws/prod-deploy/secret_key", b"a/b/c/d", b"auth://UPPER/x"],
    "dotenv": [
        b"\x40DATABASE_URL=postgres://app:SECRET@db/app\nAPI_KEY=SECRET\n# comment\n",
        b"\x10export GITHUB_TOKEN='SECRET' # gh\nDEBUG=true\n",
        b"\x80MULTI=\"line one\\nline two SECRET\"\nQUOTED=\"a \\\"b\\\" c\"\n",
        b"\x00STRIPE_SECRET_KEY=\"sk_test_SECRET\r\n\"\r\nPORT=8080\r\n",
        b"\xffREF=auth://svc/acc\nOPENAI_API_KEY=SECRET #x\n",
    ],
    "netrc": [
        b"machine github.com\n  login me\n  password SECRET\n\nmachine api.example.com login bot password \"SECRET with space\"\n",
        b"default login anonymous password x\nmachine gitlab.com login ci password SECRET\nmacdef init\ncd /\n\n",
    ],
    "git_credentials": [
        b"https://me:SECRET@github.com\nhttps://ci%40corp:SECRET@gitlab.example.com:8443/group/repo.git\n",
        b"http://user:SECRET@localhost:3000\nhttps://x-access-token:SECRET@github.com/org/repo\n",
    ],
    "aws_credentials": [
        b'[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = SECRET\nregion = eu-west-1\n\n[prod]\r\n  AWS_SESSION_TOKEN: SECRET\r\naws_access_key_id=AKID\r\naws_secret_access_key=SECRET\r\n',
        b'# c\n[a b]\raws_access_key_id = AKID\raws_secret_access_key = SECRET;#x\r[multi]\naws_access_key_id = A\naws_secret_access_key = SECRET\n\n  more\n[tail]\naws_secret_access_key = SECRET\naws_access_key_id = A',
        b'[p]\naws_access_key_id = A\n aws_secret_access_key = SECRET\n[DEFAULT]\nx = 1\n[p]\n= v\nwords\n',
        b'[q]\n  aws_access_key_id = A\n\n; note\naws_secret_access_key = SECRET\ncredential_process = x\n[r]]\naws_access_key_id=auth://aws/r/aws_access_key_id\naws_secret_access_key=SECRET\n',
    ],
    "gh_hosts": [
        b"github.com:\n    user: me\n    oauth_token: gho_SECRET\n    git_protocol: https\n",
        b"github.com:\n    users:\n        me:\n            oauth_token: gho_SECRET\n        bot:\n            oauth_token: 'SECRET'\n    user: me\n"
        b"ghe.example.com:\n    oauth_token: \"SECRET\"\n    user: admin\n",
    ],
    "config_json": [
        b'{"api_key": "SECRET", "endpoint": "https://api.example.com", "nested": {"client_secret": "SECRET"}}\n',
        b'{\n  "database": {"password": "SECRET", "user": "app"},\n  "token": "auth://svc/acc",\n  "list": ["a", {"secret": "SECRET"}]\n}\n',
        b'{"escaped_token": "a\\"b\\\\cSECRET\\u00e9", "password": ""}',
    ],
    "config_toml": [
        b'api_key = "SECRET"\nendpoint = "https://api.example.com"\n\n[database]\npassword = \'SECRET\'\nuser = "app"\n',
        b'# settings\n[auth]\ntoken = "SECRET" # inline\nclient_secret = """\nmulti\n"""\n[other]\ntoken = "SECRET2"\n',
        b'"quoted key" = "x"\nsecret = "esc\\"SECRET"\n',
    ],
    "template": [
        b"\x20url: https://{{ auth://svc/acc }}@example.com\nplain: text\n",
        b"\x90API_KEY=auth://svc/acc\nexport PLAIN=\"auth://svc/plain\"\nBIN={{auth://svc/bin}}\n",
        b"\x00{{ not a reference }} {{ auth://svc/missing }} {{ auth://BAD ADDRESS }}\n",
        b"\x55DATABASE_URL=auth://me:hunter2@db/app\nV={{ ref+vault://x#y }}\r\n",
    ],
    "git_credential": [
        b"\x30protocol=https\nhost=github.com\nusername=me\npassword=SECRET\n\n",
        b"\x99url=https://me:SECRET@git.example.com:8443/group/repo.git\npassword_expiry_utc=1700000000\noauth_refresh_token=r1\n",
        b"\x05protocol=https\nhost=[::1]:443\npath=a/b\nwwwauth[]=Basic realm=x\nephemeral=true\n",
        b"\xf0capability[]=authtype\nprotocol=http\nhost=EXAMPLE.com.\n\n",
    ],
    "otpauth": [
        b"otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXPSECRET&issuer=Example",
        b"OTPAUTH://TOTP/?SECRET=jbsw y3dp ehpk 3pxp SECRET&ALGORITHM=SHA256&DIGITS=8&PERIOD=60",
        b"JBSWY3DPEHPK3PXP SECRET",
        b"otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1",
        b"otpauth://totp/Issuer:acc?secret=SECRET&issuer=Other&digits=7&period=1",
    ],
    "audit_line": [
        b'{"seq":1,"time":"2024-01-01T00:00:00Z","event":"get","addresses":["github/me/token"],"outcome":"ok","binary":"sigil","pid":42,"parent":"bash","key":"k1","mac":"' + b"0f" * 32 + b'"}\n',
        b'{"seq":7,"time":"2024-01-01T00:00:00Z","event":"add","addresses":[],"outcome":"failed","reason":"x","binary":"sigil","pid":1,"key":"none","mac":"' + b"a1" * 32 + b'"}',
        b'{"seq":2,"time":"t","event":"audit.prune","addresses":["kept from entry 3 after MAC ' + b"00" * 32 + b'"],"outcome":"ok","binary":"b","pid":0,"key":"k"}',
    ],
    "oauth_token": [
        b'{"access_token":"SECRET","token_type":"bearer","expires_in":3600,"refresh_token":"SECRET","scope":"read write"}',
        b'{"access_token":"SECRET","token_type":"Bearer","expires_in":"3599.9","id_token":"eyJ.SECRET"}',
        b'{"access_token":"SECRET","token_type":"mac","expires_in":-5}',
        b'{"error":"invalid_grant","error_description":"SECRET line\\nbreak","error_uri":"https://x"}',
        b'{"access_token":5,"token_type":"bearer","refresh_token":"SECRET"}',
    ],
    "oauth_discovery": [
        b'\x00{"issuer":"https://issuer.example","authorization_endpoint":"https://issuer.example/auth","token_endpoint":"https://issuer.example/token","revocation_endpoint":"https://issuer.example/revoke"}',
        b'\x01{"issuer":"https://issuer.example/tenant/","token_endpoint":"http://evil.example/token","authorization_endpoint":"https://issuer.example/a"}',
        b'\x02{"issuer":"http://127.0.0.1:8080","authorization_endpoint":"http://127.0.0.1:8080/a","token_endpoint":"http://localhost:8080/t","device_authorization_endpoint":"x"}',
        b'\x00{"issuer":"https://other.example\\n"}',
    ],
}


def export_seeds():
    env = {"format": "sigil-export", "version": 1, "sigil_version": "0.1.0",
           "exported_at": "2024-01-01T00:00:00Z", "address": "github/me",
           "metadata": {"kind": "oauth", "provider": "github", "scopes": ["repo"],
                        "created": "2024-01-01T00:00:00Z", "updated": "2024-01-02T00:00:00Z",
                        "expires_at": "2030-01-01T00:00:00Z", "note": "n"},
           "fields": {"token": {"encoding": "utf-8", "value": "gho_SECRET"},
                      "refresh_token": {"encoding": "base64", "value": "U0VDUkVU"}}}
    out = [b"\x00" + json.dumps(env, indent=2).encode()]
    env2 = dict(env, metadata=None, address="svc/acc",
                fields={"api_key": {"encoding": "base64", "value": "SECRET=="}})
    out.append(b"\x00" + json.dumps(env2).encode())
    env3 = dict(env, version=2)
    out.append(b"\x02" + json.dumps(env3).encode())
    out.append(b"\x01age-encryption.org/v1\n-> X25519 SECRET\nAAAA\n--- AAAA\n\x00\x01")
    out.append(b"\x01-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCg==\n-----END AGE ENCRYPTED FILE-----\n")
    return out


def tar_of(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o600
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def backup_seeds():
    accounts_toml = b'version = 1\n\n[accounts."svc/acc"]\nkind = "api_key"\nfields = ["api_key"]\nbackend = "file"\ncreated = 2024-01-01T00:00:00Z\nupdated = 2024-01-01T00:00:00Z\n'
    accounts_json = json.dumps({"version": 1, "accounts": {"svc/acc": {
        "kind": "api_key", "fields": ["api_key"], "backend": "file",
        "created": "2024-01-01T00:00:00Z", "updated": "2024-01-01T00:00:00Z"}}}).encode()
    secret = b"SECRET-value"
    entries = [("accounts.toml", accounts_toml), ("config.toml", b""),
               ("accounts.json", accounts_json), ("secrets/svc/acc/api_key", secret)]

    def manifest(es, version):
        return json.dumps({"format": "sigil-backup", "version": version, "sigil_version": "0.1.0",
                           "created": "2024-01-01T00:00:00Z", "accounts": 1, "secrets": 1,
                           "backends": {"file": 1},
                           "entries": [{"name": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                                       for n, d in es]}).encode()
    v2 = tar_of(entries + [("manifest.json", manifest(entries, 2))])
    v1_entries = [entries[0], entries[1], entries[3]]
    v1 = tar_of(v1_entries + [("manifest.json", manifest(v1_entries, 1))])
    gz = zlib.compressobj(6, zlib.DEFLATED, 31)
    v2gz = gz.compress(v2) + gz.flush()
    return [b"\x02" + v2, b"\x06" + v2, b"\x02" + v1, b"\x01" + v2gz,
            b"\x00age-encryption.org/v1\n-> X25519 AAAA\nAAAA\n--- AAAA\n"]


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def qr_seeds():
    """A QR code of an otpauth URI if the qrcode module is here; small PNGs either way."""
    out = []
    try:
        import qrcode  # noqa: F401
        img = qrcode.make("otpauth://totp/Ex:me?secret=JBSWY3DPEHPK3PXP&issuer=Ex", box_size=2, border=2)
        b = io.BytesIO()
        img.save(b, format="PNG")
        out.append(b.getvalue())
    except ImportError:
        pass
    w, h = 8, 8
    raw = b"".join(b"\x00" + bytes([(x * 32) ^ (y * 32) for x in range(w)]) for y in range(h))
    out.append(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
               + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))
    out.append(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
    return out


def main():
    SEEDS["export"] = export_seeds()
    SEEDS["backup"] = backup_seeds()
    SEEDS["qr_image"] = qr_seeds()
    for target, seeds in SEEDS.items():
        os.makedirs(f"corpus/{target}", exist_ok=True)
        for s in seeds:
            name = hashlib.sha1(s).hexdigest()
            with open(f"corpus/{target}/{name}", "wb") as f:
                f.write(s)


main()
