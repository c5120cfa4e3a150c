/** @jsxImportSource hono/jsx */
// Schedules and sensors (the daemon's, from schedules/) as tables: state, when they run, their
// recent ticks or last evaluation, the runs those asked for.
import type { ScheduleView, SensorView, TickView } from "../ui_data.ts";
import { Layout, type PageContext, RunLink, Time } from "./layout.tsx";

export function SchedulesPage(props: { page: PageContext; schedules: readonly ScheduleView[] }) {
  return (
    <Layout page={props.page} title="Schedules" section="schedules">
      <h1>Schedules</h1>
      {props.schedules.length === 0
        ? (
          <p class="sub">
            No schedules are defined: add them in schedules/ with defineSchedule; `deno task daemon`
            runs them, and their ticks appear here.
          </p>
        )
        : (
          <table>
            <thead>
              <tr>
                <th>Schedule</th>
                <th>State</th>
                <th>Cron</th>
                <th>Time zone</th>
                <th>Selection</th>
                <th>Next tick</th>
                <th>Recent ticks</th>
              </tr>
            </thead>
            <tbody>
              {props.schedules.map((schedule) => (
                <tr>
                  <NameAndState item={schedule} />
                  <td class="mono">{schedule.cron}</td>
                  <td>{schedule.timezone}</td>
                  <td class="mono">{schedule.selection}</td>
                  <td>
                    <Time at={schedule.nextTickAt} />
                  </td>
                  <td>
                    <Ticks ticks={schedule.ticks} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </Layout>
  );
}

export function SensorsPage(props: { page: PageContext; sensors: readonly SensorView[] }) {
  return (
    <Layout page={props.page} title="Sensors" section="sensors">
      <h1>Sensors</h1>
      {props.sensors.length === 0
        ? (
          <p class="sub">
            No sensors are defined: add them in schedules/ with defineSensor; `deno task daemon`
            evaluates them, and their cursors and skip reasons appear here.
          </p>
        )
        : (
          <table>
            <thead>
              <tr>
                <th>Sensor</th>
                <th>State</th>
                <th>Every</th>
                <th>Cursor</th>
                <th>Last evaluation</th>
              </tr>
            </thead>
            <tbody>
              {props.sensors.map((sensor) => (
                <tr>
                  <NameAndState item={sensor} />
                  <td>{sensor.everySeconds === undefined ? "-" : `${sensor.everySeconds} s`}</td>
                  <td class="mono">{sensor.cursor ?? "-"}</td>
                  <td>
                    <Ticks ticks={sensor.ticks} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </Layout>
  );
}

/** A schedule's or sensor's name with its description, then whether it is on. */
function NameAndState(props: { item: ScheduleView | SensorView }) {
  const { item } = props;
  return (
    <>
      <td>
        {item.name}
        {item.description && <div class="sub">{item.description}</div>}
      </td>
      <td>{item.state ?? "on"}</td>
    </>
  );
}

function Ticks(props: { ticks: readonly TickView[] }) {
  if (props.ticks.length === 0) return <span class="sub">none yet</span>;
  return (
    <ul class="reasons">
      {props.ticks.map((tick) => (
        <li>
          <Time at={tick.at} /> {tick.status}
          {tick.runId && (
            <>
              {" "}→ <RunLink id={tick.runId} />
            </>
          )}
          {tick.reason && <span class="sub">: {tick.reason}</span>}
        </li>
      ))}
    </ul>
  );
}
