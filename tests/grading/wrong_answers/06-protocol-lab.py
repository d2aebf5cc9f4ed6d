"""Registered wrong and right answers for 06-protocol-lab (see this folder's README).

Full marks for the autograded part: 3 (broadcast) + 3 (counter) + 4 (register) = 10. Each wrong
answer is a real protocol bug: no retransmission, giving up after a few resends, flooding
everything forever (over the message budget), counting duplicates, a merge that adds, gossip that
stops, a merge that changes its arguments, reading from one replica, numbering a write from one
copy, versions that two writes can share; plus copies of the library's reference builds.
"""

from answers import CorrectAnswer, WrongAnswer

WRONG = {
    "gossip_node": [
        WrongAnswer(
            (
                "class GossipNode(Node):\n"
                "    def on_start(self):\n"
                "        self.seen = set()\n"
                "    def on_message(self, src, body):\n"
                '        if body["type"] == "broadcast":\n'
                '            if body["message"] not in self.seen:\n'
                '                self.seen.add(body["message"])\n'
                "                for peer in self.peers:\n"
                '                    self.send(peer, {"type": "gossip", "messages": [body["message"]]})\n'
                '            self.reply(src, body, {"type": "broadcast_ok"})\n'
                '        elif body["type"] == "gossip":\n'
                '            self.seen.update(body["messages"])\n'
                '        elif body["type"] == "read":\n'
                '            self.reply(src, body, {"type": "read_ok", "messages": sorted(self.seen)})\n'
            ),
            max_points=8,
            passes=(),
            why="no retransmission: a lost message or a partition leaves values missing for good",
        ),
        WrongAnswer(
            (
                "class GossipNode(Node):\n"
                "    def on_start(self):\n"
                "        self.seen = set()\n"
                "        self.unacked = {}  # (peer, value) -> resends left\n"
                '        self.set_timer(0.1, "resend")\n'
                "    def on_message(self, src, body):\n"
                '        if body["type"] == "broadcast":\n'
                '            v = body["message"]\n'
                "            if v not in self.seen:\n"
                "                self.seen.add(v)\n"
                "                for peer in self.peers:\n"
                "                    self.unacked[(peer, v)] = 3\n"
                '                    self.send(peer, {"type": "gossip", "messages": [v]})\n'
                '            self.reply(src, body, {"type": "broadcast_ok"})\n'
                '        elif body["type"] == "gossip":\n'
                '            self.seen.update(body["messages"])\n'
                '            self.send(src, {"type": "gossip_ok", "messages": body["messages"]})\n'
                '        elif body["type"] == "gossip_ok":\n'
                '            for v in body["messages"]:\n'
                "                self.unacked.pop((src, v), None)\n"
                '        elif body["type"] == "read":\n'
                '            self.reply(src, body, {"type": "read_ok", "messages": sorted(self.seen)})\n'
                "    def on_timer(self, name):\n"
                "        batches = {}\n"
                "        for (peer, v), left in list(self.unacked.items()):\n"
                "            batches.setdefault(peer, []).append(v)\n"
                "            if left <= 1:\n"
                "                del self.unacked[(peer, v)]  # gives up after three resends\n"
                "            else:\n"
                "                self.unacked[(peer, v)] = left - 1\n"
                "        for peer, values in sorted(batches.items()):\n"
                '            self.send(peer, {"type": "gossip", "messages": sorted(values)})\n'
                '        self.set_timer(0.1, "resend")\n'
            ),
            max_points=8,
            passes=("test_gossip_node_visible",),
            why="gives up after three resends: fine with light loss, loses values across a partition",
        ),
        WrongAnswer(
            (
                "class GossipNode(Node):\n"
                "    def on_start(self):\n"
                "        self.seen = set()\n"
                '        self.set_timer(0.05, "flood")\n'
                "    def on_message(self, src, body):\n"
                '        if body["type"] == "broadcast":\n'
                '            self.seen.add(body["message"])\n'
                '            self.reply(src, body, {"type": "broadcast_ok"})\n'
                '        elif body["type"] == "gossip":\n'
                '            self.seen.update(body["messages"])\n'
                '        elif body["type"] == "read":\n'
                '            self.reply(src, body, {"type": "read_ok", "messages": sorted(self.seen)})\n'
                "    def on_timer(self, name):\n"
                "        for peer in self.peers:\n"
                '            self.send(peer, {"type": "gossip", "messages": sorted(self.seen)})\n'
                '        self.set_timer(0.05, "flood")\n'
            ),
            max_points=8,
            passes=(),
            why="floods everything to everyone every 50 ms forever: converges, about 200 messages per broadcast",
        ),
        WrongAnswer(
            (
                "from scalelab.netsim import GossipBroadcast\n"
                "\n"
                "class GossipNode(GossipBroadcast):\n"
                "    pass\n"
            ),
            max_points=8,
            passes=("test_gossip_node_visible",),
            why="inherits the library's reference build instead of writing one",
        ),
    ],
    "counter_node": [
        WrongAnswer(
            (
                "def merge(a, b):\n"
                "    out = dict(a)\n"
                "    for k, v in b.items():\n"
                "        out[k] = max(out.get(k, v), v)\n"
                "    return out\n"
                "\n"
                "\n"
                "class CounterNode(Node):\n"
                "    def on_start(self):\n"
                "        self.total, self.next_id, self.unacked = 0, 0, {}\n"
                '        self.set_timer(0.1, "retry")\n'
                "    def on_message(self, src, body):\n"
                '        if body["type"] == "add":\n'
                '            self.total += body["delta"]\n'
                "            self.next_id += 1\n"
                "            for peer in self.peers:\n"
                '                self.unacked[(peer, self.next_id)] = body["delta"]\n'
                '                self.send(peer, {"type": "inc", "id": self.next_id, "delta": body["delta"]})\n'
                '            self.reply(src, body, {"type": "add_ok"})\n'
                '        elif body["type"] == "inc":\n'
                '            self.total += body["delta"]  # every copy counts: duplicates are added twice\n'
                '            self.send(src, {"type": "inc_ok", "id": body["id"]})\n'
                '        elif body["type"] == "inc_ok":\n'
                '            self.unacked.pop((src, body["id"]), None)\n'
                '        elif body["type"] == "read":\n'
                '            self.reply(src, body, {"type": "read_ok", "value": self.total})\n'
                "    def on_timer(self, name):\n"
                "        for (peer, i), d in sorted(self.unacked.items()):\n"
                '            self.send(peer, {"type": "inc", "id": i, "delta": d})\n'
                '        self.set_timer(0.1, "retry")\n'
            ),
            max_points=7,
            passes=(),
            why="duplicates not handled: an increment delivered twice, or resent after a lost ack, is added twice",
        ),
        WrongAnswer(
            (
                "def merge(a, b):\n"
                "    return {k: a.get(k, 0) + b.get(k, 0) for k in set(a) | set(b)}\n"
                "\n"
                "\n"
                "class CounterNode(Node):\n"
                "    def on_start(self):\n"
                "        self.counts = {}\n"
                '        self.set_timer(0.1, "gossip")\n'
                "    def on_message(self, src, body):\n"
                '        if body["type"] == "add":\n'
                '            self.counts[self.node_id] = self.counts.get(self.node_id, 0) + body["delta"]\n'
                '            self.reply(src, body, {"type": "add_ok"})\n'
                '        elif body["type"] == "state":\n'
                '            self.counts = merge(self.counts, body["counts"])\n'
                '        elif body["type"] == "read":\n'
                '            self.reply(src, body, {"type": "read_ok", "value": sum(self.counts.values())})\n'
                "    def on_timer(self, name):\n"
                "        for peer in self.peers:\n"
                '            self.send(peer, {"type": "state", "counts": self.counts})\n'
                '        self.set_timer(0.1, "gossip")\n'
            ),
            max_points=7,
            passes=(),
            why="a merge that adds counts is not idempotent: every gossip round counts the same increments again",
        ),
        WrongAnswer(
            (
                "def merge(a, b):\n"
                "    out = dict(a)\n"
                "    for k, v in b.items():\n"
                "        out[k] = max(out.get(k, v), v)\n"
                "    return out\n"
                "\n"
                "\n"
                "class CounterNode(Node):\n"
                "    def on_start(self):\n"
                "        self.counts = {}\n"
                "        self.t_news = -1.0\n"
                '        self.set_timer(0.1, "gossip")\n'
                "    def on_message(self, src, body):\n"
                '        if body["type"] == "add":\n'
                '            self.counts[self.node_id] = self.counts.get(self.node_id, 0) + body["delta"]\n'
                "            self.t_news = self.now\n"
                '            self.reply(src, body, {"type": "add_ok"})\n'
                '        elif body["type"] == "state":\n'
                '            self.counts = merge(self.counts, body["counts"])\n'
                '        elif body["type"] == "read":\n'
                '            self.reply(src, body, {"type": "read_ok", "value": sum(self.counts.values())})\n'
                "    def on_timer(self, name):\n"
                "        if self.now - self.t_news < 0.5:  # gossips only for half a second after its own news\n"
                "            for peer in self.peers:\n"
                '                self.send(peer, {"type": "state", "counts": self.counts})\n'
                '        self.set_timer(0.1, "gossip")\n'
            ),
            max_points=8,
            passes=("test_counter_node_visible",),
            why="gossips only for half a second after its own news: a partition longer than that never heals",
        ),
        WrongAnswer(
            (
                "def merge(a, b):\n"
                "    for k, v in b.items():\n"
                "        a[k] = max(a.get(k, v), v)  # changes a in place\n"
                "    return a\n"
                "\n"
                "\n"
                "class CounterNode(Node):\n"
                "    def on_start(self):\n"
                "        self.counts = {}\n"
                "        self.t_news = -1.0\n"
                '        self.set_timer(0.1, "gossip")\n'
                "    def on_message(self, src, body):\n"
                '        if body["type"] == "add":\n'
                '            self.counts[self.node_id] = self.counts.get(self.node_id, 0) + body["delta"]\n'
                "            self.t_news = self.now\n"
                '            self.reply(src, body, {"type": "add_ok"})\n'
                '        elif body["type"] == "state":\n'
                '            self.counts = merge(self.counts, body["counts"])\n'
                '        elif body["type"] == "read":\n'
                '            self.reply(src, body, {"type": "read_ok", "value": sum(self.counts.values())})\n'
                "    def on_timer(self, name):\n"
                "        for peer in self.peers:\n"
                '            self.send(peer, {"type": "state", "counts": self.counts})\n'
                '        self.set_timer(0.1, "gossip")\n'
            ),
            max_points=8,
            passes=("test_counter_node_visible",),
            why="merge changes its first argument in place: the node works, the merge breaks callers' states",
        ),
    ],
    "register_node": [
        WrongAnswer(
            (
                "class RegisterNode(QuorumNode):\n"
                "    def on_start(self):\n"
                "        super().on_start()\n"
                '        self.version, self.value = (0, "", 0), None\n'
                "        self.n_writes = 0\n"
                "    def on_message(self, src, body):\n"
                "        if self.handle_reply(src, body):\n"
                "            return\n"
                '        t = body["type"]\n'
                '        if t == "get":\n'
                '            self.reply(src, body, {"type": "get_ok", "version": self.version, "value": self.value})\n'
                '        elif t == "put":\n'
                '            if tuple(body["version"]) > self.version:\n'
                '                self.version, self.value = tuple(body["version"]), body["value"]\n'
                '            self.reply(src, body, {"type": "put_ok"})\n'
                '        elif t == "read":  # one replica is enough, surely\n'
                '            self.ask_all({"type": "get"}, 1, lambda got: self.reply(\n'
                '                src, body, {"type": "read_ok", "value": list(got.values())[0]["value"]}))\n'
                '        elif t == "write":\n'
                '            self.ask_all({"type": "get"}, self.majority, lambda got: self.write(src, body, got))\n'
                "    def write(self, client, request, replies):\n"
                '        top = max(tuple(r["version"]) for r in replies.values())\n'
                "        self.n_writes += 1\n"
                "        version = (top[0] + 1, self.node_id, self.n_writes)\n"
                '        self.ask_all({"type": "put", "version": version, "value": request["value"]}, self.majority,\n'
                '                     lambda _: self.reply(client, request, {"type": "write_ok"}))\n'
            ),
            max_points=6,
            passes=(),
            why="reads from one replica: a replica the last write has not reached answers stale values",
        ),
        WrongAnswer(
            (
                "class RegisterNode(QuorumNode):\n"
                "    def on_start(self):\n"
                "        super().on_start()\n"
                '        self.version, self.value = (0, "", 0), None\n'
                "        self.n_writes = 0\n"
                "    def on_message(self, src, body):\n"
                "        if self.handle_reply(src, body):\n"
                "            return\n"
                '        t = body["type"]\n'
                '        if t == "get":\n'
                '            self.reply(src, body, {"type": "get_ok", "version": self.version, "value": self.value})\n'
                '        elif t == "put":\n'
                '            if tuple(body["version"]) > self.version:\n'
                '                self.version, self.value = tuple(body["version"]), body["value"]\n'
                '            self.reply(src, body, {"type": "put_ok"})\n'
                '        elif t == "read":\n'
                '            self.ask_all({"type": "get"}, self.majority, lambda got: self.finish(src, body, got))\n'
                '        elif t == "write":  # numbers the write from this node\'s own copy: no first phase\n'
                "            self.n_writes += 1\n"
                "            version = (self.version[0] + 1, self.node_id, self.n_writes)\n"
                '            self.ask_all({"type": "put", "version": version, "value": body["value"]}, self.majority,\n'
                '                         lambda _: self.reply(src, body, {"type": "write_ok"}))\n'
                "    def finish(self, client, request, replies):\n"
                '        best = max(replies.values(), key=lambda r: tuple(r["version"]))\n'
                '        self.ask_all({"type": "put", "version": best["version"], "value": best["value"]},\n'
                '                     self.majority, lambda _: self.reply(client, request, {"type": "read_ok", "value": best["value"]}))\n'
            ),
            max_points=7,
            passes=("test_register_node_visible",),
            why="numbers a write from its own copy (no first phase): a stale coordinator's write is ignored after being acknowledged",
        ),
        WrongAnswer(
            (
                "class RegisterNode(QuorumNode):\n"
                "    def on_start(self):\n"
                "        super().on_start()\n"
                '        self.version, self.value = (0, "", 0), None\n'
                "        self.n_writes = 0\n"
                "    def on_message(self, src, body):\n"
                "        if self.handle_reply(src, body):\n"
                "            return\n"
                '        t = body["type"]\n'
                '        if t == "get":\n'
                '            self.reply(src, body, {"type": "get_ok", "version": self.version, "value": self.value})\n'
                '        elif t == "put":\n'
                '            if tuple(body["version"]) > self.version:\n'
                '                self.version, self.value = tuple(body["version"]), body["value"]\n'
                '            self.reply(src, body, {"type": "put_ok"})\n'
                '        elif t == "read":\n'
                '            self.ask_all({"type": "get"}, self.majority, lambda got: self.finish(src, body, got))\n'
                '        elif t == "write":\n'
                '            self.ask_all({"type": "get"}, self.majority, lambda got: self.write(src, body, got))\n'
                "    def write(self, client, request, replies):\n"
                '        top = max(tuple(r["version"]) for r in replies.values())\n'
                "        version = (top[0] + 1, self.node_id, 0)  # two writes through one node can share it\n"
                '        self.ask_all({"type": "put", "version": version, "value": request["value"]}, self.majority,\n'
                '                     lambda _: self.reply(client, request, {"type": "write_ok"}))\n'
                "    def finish(self, client, request, replies):\n"
                '        best = max(replies.values(), key=lambda r: tuple(r["version"]))\n'
                '        self.ask_all({"type": "put", "version": best["version"], "value": best["value"]},\n'
                '                     self.majority, lambda _: self.reply(client, request, {"type": "read_ok", "value": best["value"]}))\n'
            ),
            max_points=7,
            passes=("test_register_node_visible",),
            why="two concurrent writes through one node get the same version: replicas keep different values",
        ),
        WrongAnswer(
            (
                "class RegisterNode(QuorumNode):\n"
                "    def on_start(self):\n"
                "        super().on_start()\n"
                '        self.version, self.value = (0, "", 0), None\n'
                "        self.n_writes = 0\n"
                "    def on_message(self, src, body):\n"
                "        if self.handle_reply(src, body):\n"
                "            return\n"
                '        t = body["type"]\n'
                '        if t == "get":\n'
                '            self.reply(src, body, {"type": "get_ok", "version": self.version, "value": self.value})\n'
                '        elif t == "put":\n'
                '            if tuple(body["version"]) > self.version:\n'
                '                self.version, self.value = tuple(body["version"]), body["value"]\n'
                '            self.reply(src, body, {"type": "put_ok"})\n'
                '        elif t == "read":\n'
                '            self.ask_all({"type": "get"}, self.majority, lambda got: self.finish(src, body, got))\n'
                '        elif t == "write":\n'
                '            self.ask_all({"type": "get"}, self.majority, lambda got: self.write(src, body, got))\n'
                "    def write(self, client, request, replies):\n"
                '        top = max(tuple(r["version"]) for r in replies.values())\n'
                "        self.n_writes += 1\n"
                "        version = (top[0] + 1, self.node_id, self.n_writes)\n"
                '        self.ask_all({"type": "put", "version": version, "value": request["value"]}, self.majority,\n'
                '                     lambda _: self.reply(client, request, {"type": "write_ok"}))\n'
                "    def finish(self, client, request, replies):  # answers first, repairs after\n"
                '        best = max(replies.values(), key=lambda r: tuple(r["version"]))\n'
                '        self.reply(client, request, {"type": "read_ok", "value": best["value"]})\n'
                '        self.ask_all({"type": "put", "version": best["version"], "value": best["value"]},\n'
                "                     1, lambda _: None)\n"
            ),
            max_points=7,
            passes=("test_register_node_visible",),
            why="answers a read before writing the value back: a later read can return the older value",
        ),
        WrongAnswer(
            (
                "from scalelab.netsim import ABDRegister\n"
                "\n"
                "class RegisterNode(ABDRegister):\n"
                "    pass\n"
            ),
            max_points=7,
            passes=("test_register_node_visible",),
            why="inherits the library's ABDRegister instead of writing one",
        ),
    ],
}

RIGHT = {
    "gossip_node": [
        CorrectAnswer(
            (
                "class GossipNode(Node):\n"
                '    """Broadcast: every value a client sends to any node ends up on every node."""\n'
                "\n"
                "    def on_start(self):\n"
                "        self.values = set()\n"
                "        self.known = {peer: set() for peer in self.peers}  # what each peer confirmed having\n"
                '        self.set_timer(0.2, "sync")\n'
                "\n"
                "    def on_message(self, src, body):\n"
                '        kind = body["type"]\n'
                '        if kind == "broadcast":\n'
                '            self.values.add(body["message"])\n'
                '            self.reply(src, body, {"type": "broadcast_ok"})\n'
                '        elif kind == "sync":\n'
                '            self.values |= set(body["values"])\n'
                '            self.send(src, {"type": "have", "values": sorted(self.values)})\n'
                '        elif kind == "have":\n'
                '            self.known[src] |= set(body["values"])\n'
                '            self.values |= set(body["values"])\n'
                '        elif kind == "read":\n'
                '            self.reply(src, body, {"type": "read_ok", "messages": sorted(self.values)})\n'
                "\n"
                "    def on_timer(self, name):\n"
                "        for peer in self.peers:\n"
                "            missing = self.values - self.known[peer]\n"
                "            if missing:\n"
                '                self.send(peer, {"type": "sync", "values": sorted(missing)})\n'
                '        self.set_timer(0.2, "sync")\n'
            ),
            why="A. Anti-entropy on a timer: send each peer what it has not confirmed; it answers with all it has",
        ),
        CorrectAnswer(
            (
                "class GossipNode(Node):\n"
                '    """Broadcast: every value a client sends to any node ends up on every node."""\n'
                "\n"
                "    RESEND_AFTER = 0.15\n"
                "\n"
                "    def on_start(self):\n"
                "        self.seen = []\n"
                "        self.pending = {}  # peer -> {value: time last sent}\n"
                '        self.set_timer(0.05, "check")\n'
                "\n"
                "    def on_message(self, src, body):\n"
                '        t = body["type"]\n'
                '        if t == "broadcast":\n'
                '            v = body["message"]\n'
                "            if v not in self.seen:\n"
                "                self.seen.append(v)\n"
                "                for peer in self.peers:\n"
                "                    self.pending.setdefault(peer, {})[v] = self.now\n"
                '                    self.send(peer, {"type": "push", "messages": [v]})\n'
                '            self.reply(src, body, {"type": "broadcast_ok"})\n'
                '        elif t == "push":\n'
                '            for v in body["messages"]:\n'
                "                if v not in self.seen:\n"
                "                    self.seen.append(v)\n"
                '            self.send(src, {"type": "push_ok", "messages": body["messages"]})\n'
                '        elif t == "push_ok":\n'
                '            for v in body["messages"]:\n'
                "                self.pending.get(src, {}).pop(v, None)\n"
                '        elif t == "read":\n'
                '            self.reply(src, body, {"type": "read_ok", "messages": list(self.seen)})\n'
                "\n"
                "    def on_timer(self, name):\n"
                "        for peer, sent in self.pending.items():\n"
                "            due = [v for v, t0 in sent.items() if self.now - t0 >= self.RESEND_AFTER]\n"
                "            if due:\n"
                "                for v in due:\n"
                "                    sent[v] = self.now\n"
                '                self.send(peer, {"type": "push", "messages": due})\n'
                '        self.set_timer(0.05, "check")\n'
            ),
            why="B. A list and per-peer send times; resend only what is older than 150 ms, batched",
        ),
    ],
    "counter_node": [
        CorrectAnswer(
            (
                "def merge(a, b):\n"
                '    """Merge two grow-only counter states {node_id: count} into a new dict."""\n'
                "    return {node: max(a.get(node, 0), b.get(node, 0)) if node in a and node in b\n"
                "            else a.get(node, b.get(node)) for node in sorted(set(a) | set(b))}\n"
                "\n"
                "\n"
                "class CounterNode(Node):\n"
                '    """A grow-only counter replicated on every node (a state-based CRDT)."""\n'
                "\n"
                "    def on_start(self):\n"
                "        self.state = {self.node_id: 0}\n"
                '        self.set_timer(0.25, "push")\n'
                "\n"
                "    def on_message(self, src, body):\n"
                '        kind = body["type"]\n'
                '        if kind == "add":\n'
                '            self.state = merge(self.state, {self.node_id: self.state[self.node_id] + body["delta"]})\n'
                '            self.reply(src, body, {"type": "add_ok"})\n'
                '        elif kind == "push":\n'
                '            self.state = merge(self.state, body["state"])\n'
                '        elif kind == "read":\n'
                '            self.reply(src, body, {"type": "read_ok", "value": sum(self.state.values())})\n'
                "\n"
                "    def on_timer(self, name):\n"
                "        for peer in self.peers:\n"
                '            self.send(peer, {"type": "push", "state": dict(self.state)})\n'
                '        self.set_timer(0.25, "push")\n'
            ),
            why="A. A comprehension over the union of keys; every add goes through merge; push to all peers",
        ),
        CorrectAnswer(
            (
                "import copy\n"
                "\n"
                "\n"
                "def merge(a, b):\n"
                '    """Merge two grow-only counter states {node_id: count} into a new dict."""\n'
                "    out = copy.deepcopy(a)\n"
                "    for node in b:\n"
                "        if node not in out or b[node] > out[node]:\n"
                "            out[node] = b[node]\n"
                "    return out\n"
                "\n"
                "\n"
                "class CounterNode(Node):\n"
                '    """A grow-only counter replicated on every node (a state-based CRDT)."""\n'
                "\n"
                "    def on_start(self):\n"
                "        self.mine = 0\n"
                "        self.others = {}\n"
                '        self.set_timer(0.2, "tick")\n'
                "\n"
                "    def on_message(self, src, body):\n"
                '        if body["type"] == "add":\n'
                '            self.mine += body["delta"]\n'
                '            self.reply(src, body, {"type": "add_ok"})\n'
                '        elif body["type"] == "gossip":\n'
                '            theirs = dict(body["counts"])\n'
                "            theirs.pop(self.node_id, None)  # nobody knows my slot better than me\n"
                "            self.others = merge(self.others, theirs)\n"
                '        elif body["type"] == "read":\n'
                '            self.reply(src, body, {"type": "read_ok", "value": self.mine + sum(self.others.values())})\n'
                "\n"
                "    def on_timer(self, name):\n"
                "        counts = merge(self.others, {self.node_id: self.mine})\n"
                "        for peer in self.peers:\n"
                '            self.send(peer, {"type": "gossip", "counts": counts})\n'
                '        self.set_timer(0.2, "tick")\n'
            ),
            why="B. Own count kept apart from the others' (merged with a deep copy); push every 0.2 s",
        ),
    ],
    "register_node": [
        CorrectAnswer(
            (
                "class RegisterNode(QuorumNode):\n"
                '    """A linearizable register replicated on every node, over majority quorums."""\n'
                "\n"
                "    def on_start(self):\n"
                "        super().on_start()\n"
                '        self.replica = {"version": [0, "", 0], "value": None}\n'
                "        self.writes_here = 0\n"
                "        self.ops = {}\n"
                "        self.n_ops = 0\n"
                "\n"
                "    def on_message(self, src, body):\n"
                "        if self.handle_reply(src, body):\n"
                "            return\n"
                '        kind = body["type"]\n'
                '        if kind == "get":\n'
                '            self.reply(src, body, {"type": "get_ok", **self.replica})\n'
                '        elif kind == "put":\n'
                '            if list(body["version"]) > list(self.replica["version"]):\n'
                '                self.replica = {"version": list(body["version"]), "value": body["value"]}\n'
                '            self.reply(src, body, {"type": "put_ok"})\n'
                '        elif kind in ("read", "write"):\n'
                "            self.n_ops += 1\n"
                "            op = self.n_ops\n"
                '            self.ops[op] = {"client": src, "request": body}\n'
                '            self.ask_all({"type": "get"}, self.majority, lambda got, op=op: self.on_query(op, got))\n'
                "\n"
                "    def on_query(self, op, replies):\n"
                "        state = self.ops[op]\n"
                '        newest = max(replies.values(), key=lambda r: list(r["version"]))\n'
                '        if state["request"]["type"] == "write":\n'
                "            self.writes_here += 1\n"
                '            version = [list(newest["version"])[0] + 1, self.node_id, self.writes_here]\n'
                '            value = state["request"]["value"]\n'
                "        else:\n"
                '            version, value = list(newest["version"]), newest["value"]\n'
                '        state["value"] = value\n'
                '        self.ask_all({"type": "put", "version": version, "value": value}, self.majority,\n'
                "                     lambda got, op=op: self.on_stored(op))\n"
                "\n"
                "    def on_stored(self, op):\n"
                "        state = self.ops.pop(op)\n"
                '        request = state["request"]\n'
                '        if request["type"] == "write":\n'
                '            self.reply(state["client"], request, {"type": "write_ok"})\n'
                "        else:\n"
                '            self.reply(state["client"], request, {"type": "read_ok", "value": state["value"]})\n'
            ),
            why="A. An explicit table of operations in flight; versions as lists",
        ),
        CorrectAnswer(
            (
                "import functools\n"
                "\n"
                "\n"
                "class RegisterNode(QuorumNode):\n"
                '    """A linearizable register replicated on every node, over majority quorums."""\n'
                "\n"
                "    def on_start(self):\n"
                "        super().on_start()\n"
                '        self.stamp = (0, "", 0)\n'
                "        self.data = None\n"
                "        self.counter = 0\n"
                "\n"
                "    def on_message(self, src, body):\n"
                "        if self.handle_reply(src, body):\n"
                "            return\n"
                '        handler = getattr(self, "handle_" + body["type"], None)\n'
                "        if handler is not None:\n"
                "            handler(src, body)\n"
                "\n"
                "    def handle_get(self, src, body):\n"
                '        self.reply(src, body, {"type": "get_ok", "version": list(self.stamp), "value": self.data})\n'
                "\n"
                "    def handle_put(self, src, body):\n"
                '        stamp = tuple(body["version"])\n'
                "        if stamp > self.stamp:\n"
                '            self.stamp, self.data = stamp, body["value"]\n'
                '        self.reply(src, body, {"type": "put_ok"})\n'
                "\n"
                "    def handle_read(self, src, body):\n"
                '        self.ask_all({"type": "get"}, self.majority, functools.partial(self.phase_two, src, body))\n'
                "\n"
                "    handle_write = handle_read\n"
                "\n"
                "    def phase_two(self, client, request, replies):\n"
                '        pairs = sorted((tuple(r["version"]), i) for i, r in enumerate(replies.values()))\n'
                "        stamp = pairs[-1][0]\n"
                '        value = list(replies.values())[pairs[-1][1]]["value"]\n'
                '        if request["type"] == "write":\n'
                "            self.counter += 1\n"
                '            stamp, value = (stamp[0] + 1, self.node_id, self.counter), request["value"]\n'
                '            answer = {"type": "write_ok"}\n'
                "        else:\n"
                '            answer = {"type": "read_ok", "value": value}\n'
                '        self.ask_all({"type": "put", "version": list(stamp), "value": value}, self.majority,\n'
                "                     lambda _: self.reply(client, request, answer))\n"
            ),
            why="B. Handlers looked up by message type, functools.partial for the callback",
        ),
    ],
}
