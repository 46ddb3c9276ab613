/** A running dashboard: the collector polling the endpoints and the server showing it. */
import { Collector, type CollectorOptions } from "./collector.js";
import { DashboardServer } from "./server.js";

export interface DashboardOptions extends CollectorOptions {
  port: number;
  host?: string;
  /** Where the built page is (the default: dist/dashboard-web). */
  webDir?: string;
}

export interface RunningDashboard {
  url: string;
  collector: Collector;
  stop(): Promise<void>;
}

/** Listens first, so a port in use fails before any polling starts. */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const collector = new Collector(options);
  const server = new DashboardServer(collector, options.webDir);
  const url = await server.listen(options.port, options.host);
  collector.start();
  return {
    url,
    collector,
    stop: async () => {
      collector.stop();
      await server.close();
    },
  };
}
