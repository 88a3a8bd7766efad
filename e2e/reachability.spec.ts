// Reachability as an operator uses it: two workloads on the lab's compute nodes cannot talk; the
// Reachability page says why (no route: their networks are not joined) without sending a packet,
// offers the change that makes it pass, applies it, and the question asked again — and real test
// traffic — pass.
import { expect, test } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, login, uniq } from "./helpers";

test.describe.configure({ timeout: 180_000 });

const auth = `Basic ${Buffer.from(`${ADMIN_EMAIL}:${ADMIN_PASSWORD}`).toString("base64")}`;
const IPAM = ["default-domain", "default-project", "default-network-ipam"];

test("ask why two workloads cannot talk, apply the suggestion, see them talk", async ({ page, request }, testInfo) => {
  const name = uniq("reach");
  const P = ["default-domain", name];
  const post = async (path: string, data: unknown) => {
    const r = await request.post(path, { headers: { authorization: auth, "content-type": "application/json" }, data });
    expect(r.status(), `${path}: ${await r.text()}`).toBeLessThan(300);
    return r.json();
  };
  const project = (await post("/vnc/projects", { project: { fq_name: P, parent_type: "domain" } })).project;
  const vns: { uuid: string }[] = [];
  for (const [i, vn] of ["front", "back"].entries()) {
    vns.push(
      (
        await post("/vnc/virtual-networks", {
          "virtual-network": { fq_name: [...P, vn], parent_type: "project", network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: `10.${90 + i}.7.0`, ip_prefix_len: 24 } }] } }] },
        })
      )["virtual-network"],
    );
  }
  const ports: { uuid: string; address: string }[] = [];
  for (const [i, host] of ["compute-1", "compute-2"].entries()) {
    const vmi = (
      await post("/vnc/virtual-machine-interfaces", {
        "virtual-machine-interface": { fq_name: [...P, `w${i}`], parent_type: "project", virtual_network_refs: [{ uuid: vns[i].uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } },
      })
    )["virtual-machine-interface"];
    const iip = (await post("/vnc/instance-ips", { "instance-ip": { virtual_network_refs: [{ uuid: vns[i].uuid }], virtual_machine_interface_refs: [{ uuid: vmi.uuid }] } }))["instance-ip"];
    ports.push({ uuid: vmi.uuid, address: iip.instance_ip_address });
  }
  // the wire agrees: no route
  const before = await post("/vnc/test-traffic", { port: ports[0].uuid, destination: ports[1].address, protocol: "tcp", dst_port: 80 });
  expect(before.verdict).toBe("dropped");

  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto(`/monitor/reachability?project=${project.uuid}&port=${ports[0].uuid}&dst=${ports[1].address}&proto=tcp&dport=80`);
  const answer = page.getByTestId("reach-answer");
  await expect(answer).toHaveAttribute("data-verdict", "denied", { timeout: 20_000 });
  await expect(page.getByTestId("reach-reason")).toContainText("no route");
  const suggestion = page.getByTestId("reach-suggestion");
  await expect(suggestion).toHaveAttribute("data-verified", "true");
  await expect(suggestion).toContainText("attach it to virtual-network");
  await page.screenshot({ path: testInfo.outputPath("reachability-denied.png") });
  await page.getByTestId("reach-apply").click();
  await expect(page.getByTestId("reach-apply")).toHaveText(/Applied/);
  // routes take a moment to reach the agents: ask until the answer changes
  await expect(async () => {
    await page.getByTestId("reach-ask").click();
    await expect(answer).toHaveAttribute("data-verdict", "allowed", { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("traffic-hop").last()).toHaveAttribute("data-step", "deliver");
  await page.screenshot({ path: testInfo.outputPath("reachability-allowed.png") });
  // and the real data path delivers it
  await expect(async () => {
    const after = await post("/vnc/test-traffic", { port: ports[0].uuid, destination: ports[1].address, protocol: "tcp", dst_port: 80 });
    expect(after.verdict).toBe("delivered");
  }).toPass({ timeout: 30_000 });
});
