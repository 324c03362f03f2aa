// The load client of bench/realtime.py: N WebSocket members of one room, spread over several loopback source
// addresses, for liveroom's /realtime gateway or the bare broadcast ceiling (bench/broadcast_ceiling.py). With
// several nodes (config.urls), member i connects to urls[i % urls.length]; publishes go through rest_url.
//
//   node realtime_client.js CONFIG.json      (written by bench/realtime.py, UserSigs included)
//
// It reports on stdout, one JSON object a line, and takes its next step from stdin, one command a line:
//   (start)                       -> {"phase":"ready"}
//   join                          -> {"phase":"joined", ...}       every member connected, authenticated, entered
//   publish MESSAGES              -> {"phase":"published", ...}    latency and deliveries of MESSAGES publishes
//   likes SENDERS RATE SECONDS DRAIN -> {"phase":"liked", ...}     a like storm (liveroom only)
//   close                         -> {"phase":"closed", ...}, then the process ends
// Frames are not decoded as JSON once a member is in: this one process reads every member's frames on one core
// and must keep up, so it looks for the bytes it needs (as bench/realtime_fanout.py does).
"use strict";

const fs = require("fs");
const http = require("http");
const readline = require("readline");
const { performance } = require("perf_hooks");
const WebSocket = require("ws");

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const ceiling = config.mode === "ceiling";
const MARK = Buffer.from('"TextContent":"m ');
const LIKE_EVENT = Buffer.from('"event":"like"');
const TOTAL_LIKES = Buffer.from('"TotalLikesReceived":');
const OK = Buffer.from('"type":"ok"');
const SPACE = 0x20;
const QUOTE = 0x22;

function report(object) {
  process.stdout.write(JSON.stringify(object) + "\n");
}

class Member {
  constructor(index, identifier, usersig, source, node) {
    this.index = index;
    this.node = node;
    this.identifier = identifier;
    this.usersig = usersig;
    this.source = source;
    this.ws = null;
    this.entered = false;
    this.heartbeat = null;
    this.texts = 0;
    this.textFrames = 0;
    this.likeEvents = 0;
    this.oks = 0;
    this.closeCode = null;
  }
}

const urls = config.urls;
const members = config.members.map(
  ([identifier, usersig], i) =>
    new Member(i, identifier, usersig, config.sources[i % config.sources.length], i % urls.length),
);

// What the members receive once in: text_message latencies (publish to frame read, ms) and like events.
let latencies = new Float64Array(0);
let latencyNodes = new Uint8Array(0); // the node of each latency's member
let delivered = 0;
let lastDelivery = 0;
let closedAfterEntry = new Map();

function onFrame(member, data) {
  // A busy room's messages come several to a frame (an "events" batch, docs/realtime.md): each one counts.
  let at = data.indexOf(MARK);
  if (at >= 0) {
    const now = performance.now();
    while (at >= 0) {
      // "m <number> <publish time in ms>"
      const first = data.indexOf(SPACE, at + MARK.length);
      const end = data.indexOf(QUOTE, first);
      const sentAt = Number(data.toString("latin1", first + 1, end));
      if (delivered < latencies.length) {
        latencies[delivered] = now - sentAt;
        latencyNodes[delivered] = member.node;
      }
      delivered += 1;
      member.texts += 1;
      at = data.indexOf(MARK, end);
    }
    member.textFrames += 1;
    lastDelivery = now;
    return;
  }
  if (data.indexOf(LIKE_EVENT) >= 0) {
    member.likeEvents += 1;
    if (member === likeObserver) observeLikes(data);
  } else if (data.indexOf(OK) >= 0) member.oks += 1;
}

function startHeartbeat(member, seconds) {
  // Spread over the interval, so that N members do not heartbeat in the same tick.
  const every = seconds * 1000;
  const first = setTimeout(() => {
    send(member, '{"type":"heartbeat"}');
    member.heartbeat = setInterval(() => send(member, '{"type":"heartbeat"}'), every);
  }, Math.random() * every);
  member.heartbeat = first;
}

function send(member, text) {
  if (member.ws !== null && member.ws.readyState === WebSocket.OPEN) member.ws.send(text);
}

// joining --------------------------------------------------------------------------------------------------------

const joinErrors = new Map();
function noteError(reason) {
  joinErrors.set(reason, (joinErrors.get(reason) || 0) + 1);
}

function join(member) {
  // Resolves true once the member is in the room (for the ceiling: connected), false when refused for good.
  return new Promise((resolve) => {
    const ws = new WebSocket(urls[member.node], { perMessageDeflate: false, localAddress: member.source, skipUTF8Validation: true });
    member.ws = ws;
    let settled = false;
    const settle = (ok, retry) => {
      if (settled) return;
      settled = true;
      resolve({ ok, retry });
    };
    ws.on("open", () => {
      if (ceiling) {
        member.entered = true;
        startHeartbeat(member, config.heartbeat_seconds);
        settle(true, false);
        return;
      }
      // Pipelined: the enter waits in the connection behind the auth, which the server answers first.
      ws.send(JSON.stringify({ type: "auth", sdkappid: config.sdkappid, identifier: member.identifier, usersig: member.usersig }));
      ws.send(JSON.stringify({ type: "enter", id: "e", RoomId: config.room }));
    });
    ws.on("message", (data) => {
      if (member.entered) {
        onFrame(member, data);
        return;
      }
      const frame = JSON.parse(data.toString());
      if (frame.type === "auth_ok") {
        startHeartbeat(member, frame.heartbeat_seconds);
      } else if (frame.type === "entered") {
        member.entered = true;
        settle(true, false);
      } else if (frame.type === "error") {
        noteError(frame.reason);
        settle(false, frame.reason === "too_many_connections");
      }
    });
    ws.on("error", (error) => {
      noteError(error.code || error.message);
    });
    ws.on("close", (code) => {
      clearTimeout(member.heartbeat);
      clearInterval(member.heartbeat);
      if (member.entered) {
        member.closeCode = code;
        closedAfterEntry.set(code, (closedAfterEntry.get(code) || 0) + 1);
      }
      settle(false, code === 1013);
    });
  });
}

async function joinAll() {
  // One queue per source address, each with at most in_flight members joining at once: the server lets 64 from
  // one address wait to authenticate (LIVEROOM_REALTIME_UNAUTHENTICATED_PER_ADDRESS).
  const bySource = new Map();
  for (const member of members) {
    if (!bySource.has(member.source)) bySource.set(member.source, []);
    bySource.get(member.source).push(member);
  }
  let entered = 0;
  let failed = 0;
  let retries = 0;
  const lane = async (queue) => {
    while (queue.length > 0) {
      const member = queue.shift();
      const { ok, retry } = await join(member);
      if (ok) entered += 1;
      else if (retry && retries < members.length) {
        retries += 1;
        queue.push(member);
        await new Promise((r) => setTimeout(r, 50));
      } else failed += 1;
    }
  };
  const started = performance.now();
  const lanes = [];
  for (const queue of bySource.values()) {
    for (let i = 0; i < config.in_flight; i++) lanes.push(lane(queue));
  }
  await Promise.all(lanes);
  const seconds = (performance.now() - started) / 1000;
  report({
    phase: "joined",
    entered,
    failed,
    retries,
    join_seconds: round(seconds, 2),
    entries_per_second: Math.round(entered / seconds),
    errors: Object.fromEntries(joinErrors),
    client_rss_mib: round(process.memoryUsage().rss / 1048576, 1),
  });
}

// publishing -----------------------------------------------------------------------------------------------------

// A connection per publish: reading thousands of members' frames, this process may leave a kept-alive connection
// idle past the server's keep-alive timeout (5 s), which then closes it under the next request.
const agent = new http.Agent({ keepAlive: false, maxSockets: 1 });
let publisherWs = null;

function restCall(command, body) {
  const query = new URLSearchParams({
    sdkappid: String(config.sdkappid),
    identifier: config.admin,
    usersig: config.admin_usersig,
    random: String(Math.floor(Math.random() * 4294967295)),
    contenttype: "json",
  });
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${config.rest_url}/v4/live_engine_http_srv/${command}?${query}`,
      { method: "POST", agent, headers: { "content-type": "application/json", "content-length": payload.length } },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString());
          if (answer.ErrorCode !== 0) reject(new Error(`${command}: ${JSON.stringify(answer)}`));
          else resolve(answer);
        });
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

async function ceilingPublisher() {
  if (publisherWs !== null) return publisherWs;
  publisherWs = new WebSocket(urls[0] + "publish", { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    publisherWs.once("open", resolve);
    publisherWs.once("error", reject);
  });
  return publisherWs;
}

async function publishOne(i) {
  const text = `m ${i} ${performance.now().toFixed(3)}`;
  if (ceiling) {
    const ws = await ceilingPublisher();
    await new Promise((resolve) => {
      ws.once("message", resolve);
      ws.send(text);
    });
  } else {
    await restCall("send_text_msg", { RoomId: config.room, Sender_Account: config.admin, TextContent: text });
  }
}

async function publish(messages) {
  const inRoom = members.filter((m) => m.entered && m.closeCode === null).length;
  const expected = inRoom * messages;
  latencies = new Float64Array(expected);
  latencyNodes = new Uint8Array(expected);
  delivered = 0;
  for (const member of members) member.texts = member.textFrames = 0;
  const started = performance.now();
  for (let i = 0; i < messages; i++) await publishOne(i);
  const publishSeconds = (performance.now() - started) / 1000;
  // Every delivery, or nothing more for 30 s.
  let seen = -1;
  let quietSince = performance.now();
  while (delivered < expected) {
    await new Promise((r) => setTimeout(r, 20));
    if (delivered !== seen) {
      seen = delivered;
      quietSince = performance.now();
    } else if (performance.now() - quietSince > 30000) break;
  }
  const seconds = (lastDelivery - started) / 1000;
  const count = Math.min(delivered, expected);
  // Per node first (the sort below reorders the latencies in place).
  const perNode = urls.map((url, node) => {
    const mine = members.filter((m) => m.node === node);
    const latency = new Float64Array(count);
    let n = 0;
    for (let i = 0; i < count; i++) if (latencyNodes[i] === node) latency[n++] = latencies[i];
    const nodeSorted = latency.subarray(0, n).sort();
    const nodeAt = (q) =>
      nodeSorted.length ? nodeSorted[Math.min(nodeSorted.length - 1, Math.floor(q * nodeSorted.length))] : null;
    return {
      url,
      members_in: mine.filter((m) => m.entered && m.closeCode === null).length,
      delivered: mine.reduce((sum, m) => sum + m.texts, 0),
      text_frames: mine.reduce((sum, m) => sum + m.textFrames, 0),
      latency_ms_p50: round(nodeAt(0.5), 1),
      latency_ms_p99: round(nodeAt(0.99), 1),
    };
  });
  const sorted = latencies.subarray(0, count).sort();
  const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
  report({
    phase: "published",
    messages,
    members_in: inRoom,
    expected,
    delivered,
    publish_seconds: round(publishSeconds, 2),
    seconds: round(seconds, 2),
    deliveries_per_second: Math.round(delivered / seconds),
    latency_ms_p50: round(at(0.5), 1),
    latency_ms_p99: round(at(0.99), 1),
    latency_ms_max: round(at(1), 1),
    text_frames: perNode.reduce((sum, node) => sum + node.text_frames, 0),
    per_node: perNode,
    closed_after_entry: Object.fromEntries(closedAfterEntry),
  });
}

// the like storm -------------------------------------------------------------------------------------------------

// One member watches the room's total: when it reads a total of at least i, the i-th like sent has reached it.
let likeObserver = null;
let likesSeen = []; // [time read, TotalLikesReceived], in the order read

function observeLikes(data) {
  const now = performance.now();
  let at = data.indexOf(TOTAL_LIKES);
  while (at >= 0) {
    let end = at + TOTAL_LIKES.length;
    const start = end;
    while (end < data.length && data[end] >= 48 && data[end] <= 57) end += 1;
    likesSeen.push([now, Number(data.toString("latin1", start, end))]);
    at = data.indexOf(TOTAL_LIKES, end);
  }
}

// Delivery latency of each like (ms): from its send to the observer reading a total that includes it. Likes are
// ranked by send time, so a like counted before one sent earlier is credited to the earlier one: a bound, not exact.
function likeLatencies(sentAt) {
  const latency = [];
  let j = 0;
  let best = 0;
  for (let i = 0; i < sentAt.length; i++) {
    while (best < i + 1 && j < likesSeen.length) best = Math.max(best, likesSeen[j++][1]);
    if (best < i + 1) break;
    latency.push(likesSeen[j - 1][0] - sentAt[i]);
  }
  return Float64Array.from(latency).sort();
}

async function likes(senders, rate, seconds, drain) {
  const inRoom = members.filter((m) => m.entered && m.closeCode === null);
  const chosen = inRoom.slice(0, senders);
  for (const member of members) member.likeEvents = member.oks = 0;
  likeObserver = inRoom[inRoom.length - 1] || null;
  likesSeen = [];
  const sentAt = [];
  const like = JSON.stringify({ type: "like", RoomId: config.room, Count: 1 });
  let sent = 0;
  const started = performance.now();
  // One clock for every sender: each tick sends what each sender is due (rate a second, from the start).
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      const due = Math.floor(Math.min(elapsed, seconds) * rate);
      for (const member of chosen) {
        while ((member.likesSent || 0) < due) {
          send(member, like);
          sentAt.push(performance.now());
          member.likesSent = (member.likesSent || 0) + 1;
          sent += 1;
        }
      }
      if (elapsed >= seconds) {
        clearInterval(tick);
        resolve();
      }
    }, 10);
  });
  await new Promise((r) => setTimeout(r, drain * 1000));
  const open = members.filter((m) => m.entered && m.closeCode === null).map((m) => m.likeEvents);
  const latency = likeLatencies(sentAt);
  const likeAt = (q) => (latency.length ? latency[Math.min(latency.length - 1, Math.floor(q * latency.length))] : null);
  report({
    phase: "liked",
    senders: chosen.length,
    likes_sent: sent,
    likes_answered_ok: chosen.reduce((sum, m) => sum + m.oks, 0),
    like_events_per_member_min: open.length ? Math.min(...open) : 0,
    like_events_per_member_max: open.length ? Math.max(...open) : 0,
    likes_seen_by_observer: latency.length,
    like_latency_ms_p50: round(likeAt(0.5), 1),
    like_latency_ms_p99: round(likeAt(0.99), 1),
    like_latency_ms_max: round(likeAt(1), 1),
    wall_seconds: round((performance.now() - started) / 1000, 1),
    closed_after_entry: Object.fromEntries(closedAfterEntry),
  });
}

// --------------------------------------------------------------------------------------------------------------

function round(value, digits) {
  if (value === null) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

async function close() {
  for (const member of members) {
    clearTimeout(member.heartbeat);
    clearInterval(member.heartbeat);
    if (member.ws !== null) member.ws.terminate();
  }
  if (publisherWs !== null) publisherWs.terminate();
  agent.destroy();
  report({ phase: "closed" });
  process.exit(0);
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin });
  const commands = lines[Symbol.asyncIterator]();
  report({ phase: "ready" });
  await commands.next(); // "join"
  await joinAll();
  for (;;) {
    const { value, done } = await commands.next();
    if (done) return close();
    const [command, ...numbers] = value.trim().split(/\s+/);
    const args = numbers.map(Number);
    if (command === "publish") await publish(args[0]);
    else if (command === "likes") await likes(...args);
    else return close();
  }
}

main().catch((error) => {
  report({ phase: "failed", error: String(error && error.stack ? error.stack : error) });
  process.exit(1);
});
