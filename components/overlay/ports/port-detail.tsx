"use client";
import { Globe } from "lucide-react";
import { useState } from "react";
import { ObjectDetail } from "../../objects/object-detail";
import { Button } from "../../ui/button";
import { FloatingIpForm } from "../floating-ips/fip-form";
import { PortOverview } from "./port-overview";

export function PortDetail({ uuid }: { uuid: string }) {
  const [associating, setAssociating] = useState(false);
  return (
    <ObjectDetail
      type="virtual-machine-interface"
      uuid={uuid}
      overview={(port) => (
        <>
          <PortOverview port={port} />
          {associating && <FloatingIpForm open onOpenChange={setAssociating} port={port} />}
        </>
      )}
      actions={() => (
        <Button size="sm" onClick={() => setAssociating(true)} data-testid="associate-fip">
          <Globe className="h-3.5 w-3.5" /> Associate floating IP
        </Button>
      )}
    />
  );
}
