/** The CLI's --help text: every command and option, grouped as the README's command-line section. */
export const USAGE = `usage: smtp-lens <command> [options]

commands:
  probe   connect, greet, EHLO, STARTTLS as asked, AUTH if asked, QUIT
  send    compose and send one message
  verify  VRFY each ADDRESS given (EXPN with --expn); exit 13 when any is not verified
  explain CODE  what a reply code and/or enhanced status code means ("550", "5.7.1", "550 5.7.1 Relay access denied")
  raw     send raw command lines (--command, repeatable) after greeting/EHLO; exit 13 when any reply is 4xx/5xx
  serve   run the built-in test server and print each message it receives (as smtpd.DebuggingServer); Ctrl-C stops
    [--host H (127.0.0.1)] [--port P (2525; 0: any)] | [--socket PATH]   [--lmtp]   [--tls off|starttls|implicit]
    [--auth-user U --auth-password-env VAR]   [--maildir DIR (store each message)]   [--print-body]
    [--authenticate [--resolver ADDR[:PORT]] (SPF, DKIM, DMARC, ARC verdicts of each message; mailauth)]
    (recipients refuse@… get 550, tempfail@… 451, and over LMTP overquota@… 552 after DATA, as in the app)
  check [probe options] [--format nagios|prometheus|json] [--warning S --critical S (session seconds)]
    [--cert-warning D --cert-critical D (days left)]  a probe for monitoring; exit 0 OK, 1 WARNING, 2 CRITICAL,
    3 UNKNOWN (a usage error too), in every format
  check --domain D [--resolver ADDR[:PORT]] [mx options]  the same over every MX address of a domain (one down is a
    WARNING while another works; a DANE mismatch or an MX an enforcing MTA-STS policy rules out is CRITICAL)
  relay-test [connection] [auth] [--from A] [--to user@external] [--local-domain D] [--json]  the classic relay tricks
    (external recipient, %-hack, quoted @, source route, !-path, null sender, own domain as sender), each stopped
    after RCPT (never DATA); exit 16 when one was accepted, 15 when some could not be judged, 0 all refused
  smuggling-test [connection] [auth] --i-own-this-server --from A --to B [--variant ID]... [--json]  SMTP smuggling
    (CVE-2023-51764/5/6): one message per non-standard end of data (<LF>.<LF>, <CR>.<CR>, <LF>.<CR><LF>, …) with a
    second transaction after it; exit 17 when the server answered it (it ended the data there), 15 unjudged, 0 none
  matrix --host H [--ports 25,465,587] [--tls off,starttls,implicit] [--parallel N] [connection] [--json]  every
    port × TLS mode: capabilities, AUTH before and after TLS, certificate; findings such as AUTH offered in plaintext
    or STARTTLS missing on 587; 10 s per stage unless --timeout; exit 0, 3 when nothing answered
  diff A.json B.json [--json]  two saved records compared: capabilities, AUTH mechanisms, TLS and certificate,
    findings, timings side by side; exit 0 when they agree, 1 when they differ (as diff(1))
  mx DOMAIN  every MX host and address of a domain (null MX, implicit MX), each probed as a sending MTA would:
    port 25, greeting, EHLO, STARTTLS when offered, the certificate checked against the MX name; exit 0 all good,
    3 some unreachable or no mail server, 4 STARTTLS missing or a certificate not valid
    [--resolver ADDR[:PORT] (default: the system's)] [--port P] [--parallel N (4)] [--deadline S (60)]
    [--timeout S (per stage)] [--ehlo NAME] [--ca FILE (trust it too)] [--mta-sts-url URL (tests)] [--json]
    also DANE (TLSA, validated only), MTA-STS (policy fetched over HTTPS: 64 KB, no redirects) and TLS-RPT

connection:
  --host H --port P | --socket PATH   --protocol smtp|lmtp
  --tls off|starttls|starttls-optional|implicit   (default off)
  --insecure  --ca FILE  --servername NAME  --tls-min-version V  --tls-max-version V
  --ciphers LIST  --client-cert FILE  --client-key FILE  --ehlo NAME  --helo (greet with HELO, not EHLO)
  --timeout SECONDS (every stage)  --deadline SECONDS (whole session)  --source-address ADDR
defaults (highest first: the command line, --profile, SMTP_LENS_<OPTION> variables, config.json):
  --profile NAME (a profile the app saved: its connection, TLS and AUTH user; the password from --password-env or
    --password-file, or asked in a terminal: the app's key store is not open to the command line)
  SMTP_LENS_HOST, SMTP_LENS_TLS, SMTP_LENS_EHLO, … (any single-valued option; flags take 1/0)
  $XDG_CONFIG_HOME/smtp-lens/config.json (or $SMTP_LENS_CONFIG): {"defaults": {"host": "mx.example.net", "port": 587}}
  profiles are read from the app's folder (~/.config/smtp-lens on Linux) or $SMTP_LENS_DATA_DIR
front end (as a proxy or relay in front of the server would):
  --proxy-header v1|v2 [--proxy-source ADDR:PORT] [--proxy-dest ADDR:PORT]  (HAProxy PROXY protocol, before anything;
    default ends: this connection's own)
  --xclient NAME=VALUE (repeatable; postfix XCLIENT after EHLO and TLS, then EHLO again)
  --xforward NAME=VALUE (repeatable; send: postfix XFORWARD before MAIL)
stop early (as swaks):
  --quit-after STAGE (send QUIT there) | --drop-after STAGE (close the connection, no QUIT)
    STAGE: connect greeting ehlo tls auth, and for send mail rcpt (no DATA: with rcpt the exit status says
    0 every recipient accepted, 7 all refused, 8 some). A stage the session does not use stops where it would be.
auth:
  --auth auto|plain|login|cram-md5|xoauth2|oauthbearer|scram-sha-1|scram-sha-256  --user U  --authzid Z
  --password-env VAR | --password-file F   (the secret; for xoauth2 and oauthbearer the access token)
  --auth-optional (authenticate when AUTH is offered, go on without it when not, as swaks -ao)
  --allow-plaintext-auth   --no-initial-response
message:
  --from A --to B (repeatable) --cc C --bcc D --reply-to R --subject S
  --body TEXT | --body-file F   --html-file F   --attach F (repeatable)
  --inline F (repeatable: an image the HTML shows as cid:<file name>, in multipart/related)
  --dkim-domain D --dkim-selector S --dkim-key FILE (sign with DKIM, rsa-sha256, relaxed/relaxed; the key is
    never printed; with --message-file too)
  --header "Name: value" (repeatable)   --message-file F (send an existing RFC 5322 message)
  --date "RFC 5322 date" (written as given) | ISO 8601 (written in UTC)   --message-id ID   --sender A
    (Sender: header; the envelope sender then, as smtplib's send_message; --header Date:/Message-ID:/Sender: too)
  --envelope-from A  --envelope-to B (repeatable)
  --dsn-ret full|hdrs  --dsn-notify never|success,failure,delay  --dsn-envid ID  --dsn-orcpt
  --smtputf8  --utf8-headers  --bdat off|auto|on  --mail-param P  --rcpt-param P (repeatable)
  --force-params (send parameters, BDAT or a message over SIZE the server did not advertise)
  --no-pipelining  --force-pipelining (pipeline even when PIPELINING is not advertised)
  --prdr (ask for per-recipient replies after the data when the server offers PRDR)
  --allow-long-lines (send a --message-file with lines over 998 octets as it is)
dry run (send):
  --dump (print the envelope and the exact message that would be sent, headers and MIME; connects to nothing)
reproduce (probe, send; runs nothing):
  --as swaks|smtplib (print a swaks command line or a Python smtplib script that does the same session; the
    secret is read from --password-env's variable, or $SMTP_LENS_PASSWORD, when it runs, never written out)
load test (send):
  --count N (send the message N times on one connection, each message's end pipelined with the next)
  --window N (BDAT: whole messages sent ahead of their replies, default 1)  --on-failure continue|stop
  --connections N (N connections at once, each sending the message --count times; all open before the first goes)
  --rate R (messages per second in total, evenly spaced across the connections)
    the summary gives each connection's and the total rate and latency percentiles (start to last reply)
output:
  --json (print the session record)  --export FILE (.json record, .txt transcript, .html report; FILE.partial
    holds the transcript while the session runs)
  --capture-data (every body line in the transcript)  --quiet (no live transcript)
  --timing (a per-stage latency table)  --hex (a hex dump of every write and read, redacted as the transcript)
  --save-chain FILE (the server's certificate chain as PEM)
`;
