// The HTML report's stylesheet, inlined into every page (html.cpp): status colours, tables, the cause and trial
// cards, the step list, the operation transcript, the hex views and the coverage figures. No web font, no image, nothing fetched.
#pragma once

namespace faultline::reports::detail {

constexpr const char* kStyle = R"(
:root{--fail:#c62828;--error:#ef6c00;--void:#78909c;--pass:#2e7d32;--ink:#1c2733;--muted:#5f6b76;--line:#d9dee3}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);margin:0;background:#f6f8fa}
header{padding:18px 28px;color:#fff}header.pass{background:var(--pass)}header.fail{background:var(--fail)}header.error{background:var(--error)}
header h1{margin:0 0 4px;font-size:24px}header p{margin:2px 0;opacity:.95}
nav{padding:8px 28px;background:#fff;border-bottom:1px solid var(--line)}nav a{margin-right:18px;color:var(--ink)}
main{padding:12px 28px 40px;max-width:1400px}section{margin-top:22px}h2{border-bottom:2px solid var(--line);padding-bottom:4px}
table{border-collapse:collapse;background:#fff;width:100%;margin:6px 0}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.v-fail{color:var(--fail);font-weight:600}.v-error{color:var(--error);font-weight:600}.v-void{color:var(--void)}.v-pass{color:var(--pass)}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px}pre{background:#fff;border:1px solid var(--line);padding:8px;overflow-x:auto;margin:4px 0}
.group,.trial{background:#fff;border:1px solid var(--line);border-left:6px solid var(--fail);padding:10px 14px;margin:12px 0}
.group.error,.trial.error{border-left-color:var(--error)}.group.void,.trial.void{border-left-color:var(--void)}
.group h3,.trial h3{margin:0 0 6px;font-size:16px}.meta{color:var(--muted)}
ol.steps{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}
ol.steps li{border:1px solid var(--line);border-radius:6px;padding:4px 10px;background:#f9fafb;max-width:420px}
ol.steps li.bad{border-color:var(--fail);background:#fdecea}ol.steps li.fault{border-color:var(--error);background:#fff3e0}
.hexes{display:flex;flex-wrap:wrap;gap:14px}.hexes>div{flex:1 1 560px;min-width:0}
mark{background:#ffcc80;color:#000}.cov{display:flex;flex-wrap:wrap;gap:16px}.cov figure{margin:0;background:#fff;border:1px solid var(--line);padding:8px}
tr.ack-ok td:last-child{color:var(--pass)}tr.ack-error td:last-child{color:var(--error)}tr.ack-no-reply td:last-child{color:var(--fail);font-weight:600}
table.transcript{width:auto;min-width:50%}details.transcript summary{margin:4px 0}.shrink b{font-weight:600}
figcaption{font-weight:600;margin-bottom:4px}.bars{display:flex;gap:18px}svg text{font:11px system-ui,sans-serif;fill:#1c2733}.note{color:var(--muted);font-style:italic}
)";

}  // namespace faultline::reports::detail
